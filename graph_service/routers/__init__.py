"""HTTP routers, one module per concern (sparql, catalog, entities, api, pages); mounted by graph_service.app."""
