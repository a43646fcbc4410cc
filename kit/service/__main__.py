"""``python -m kit.service``: run the class service (see kit/service/app.py for options)."""
from .app import main

if __name__ == "__main__":
    main()
