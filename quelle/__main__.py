from quelle.cli import main

main()
