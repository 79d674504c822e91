"""``python -m cloudcarbon``."""

from cloudcarbon.cli import main

main()
