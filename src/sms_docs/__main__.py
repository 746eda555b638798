from sms_docs.cli import main

main()
