"""Claims, their sources and screenshots, and the lifecycle that moves them."""
