"""pose stage."""
