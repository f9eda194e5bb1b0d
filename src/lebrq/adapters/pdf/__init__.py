"""PDF rendering with fpdf2. fpdf2 (with fontTools and PIL, about 46 MiB) is imported
only inside `tax_document_layout`, which runs in the rendering pool."""
