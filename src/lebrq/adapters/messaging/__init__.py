"""Message channels: SMTP email, an HTTP SMS bridge, and the development logging channel."""
