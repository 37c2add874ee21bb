"""Model builders and models of the course (plain Keras objects)."""
