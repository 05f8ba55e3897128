from difyops.main import main

main()
