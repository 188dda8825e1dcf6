"""Django's Redis cache backend, minus two costs it pays on every call.

Django's client builds a new ``redis.Redis`` for each operation (about a third of a cached
render POST's Redis time went there) and ``incr`` takes two round trips (EXISTS, then
INCRBY). This one keeps one ``redis.Redis`` per connection pool, which is thread-safe, and
increments an existing key in one round trip with a small Lua script. Behaviour is
Django's: ``incr`` of a missing key raises ValueError.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_INCR_EXISTING = """
if redis.call('exists', KEYS[1]) == 1 then
    return redis.call('incrby', KEYS[1], ARGV[1])
end
return false
"""


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # Django's choice of server, and its pools
        client = self._clients.get(pool)
        if client is None:
            client = self._client(connection_pool=pool)
            client.incr_existing = client.register_script(_INCR_EXISTING)
            self._clients[pool] = client
        return client

    def incr(self, key, delta):
        value = self.get_client(key, write=True).incr_existing(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
