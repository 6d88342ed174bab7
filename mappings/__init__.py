"""Mappings: each module describes one dataset (or referential) and how its records become RDF.

Importing a module of this package loads only what that module needs: the build order of all
the sources is `mappings.registry.SOURCES`.
"""
