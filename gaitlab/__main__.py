from gaitlab.cli import main

main()
