"""The Amazon side as a small client library: marketplaces, consent URLs, LWA, Sellers API.

Nothing here touches Flask request objects; callers pass plain settings and values.
"""
