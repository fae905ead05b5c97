"""The web application: JSON API, server-rendered pages, sign-in."""
