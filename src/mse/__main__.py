from mse.cli import main

main()
