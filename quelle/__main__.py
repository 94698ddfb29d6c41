from quelle.cli.app import main

main()
