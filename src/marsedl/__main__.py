from marsedl.cli import main

main()
