"""Loading, cleaning, chunking, embedding and storing news articles. Never imports assistant."""
