"""Input panels: each one turns widget input into controller method calls and
re-reads the controller when it says something changed."""
