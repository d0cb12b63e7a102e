"""`python -m mjproxy` runs the command-line interface."""

from mjproxy.cli import main

main()
