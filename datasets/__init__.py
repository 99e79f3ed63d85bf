"""Built-in task cards (the top-level datasets/ folder, shipped as package data)."""
