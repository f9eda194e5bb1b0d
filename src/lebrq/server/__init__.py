"""What `lebrq serve` needs to start Granian: granian.toml mapped onto Granian's own
options, the development TLS certificate, and the hand-over to Granian's CLI."""
