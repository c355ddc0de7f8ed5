"""The web console's static files (HTML, JavaScript modules, CSS), served at ``/ui``."""
