"""The server-rendered pages (rules §5.3): each page module has its routes, and `pages`
puts them on one router.

Pages are Jinja2 templates (`web/templates`) enhanced with htmx (a vendored file in
`web/static`, no build step): favorites toggle in place, the last processed
file card and the export notice poll while their job runs. Every page works
without JavaScript, only less live.
"""
