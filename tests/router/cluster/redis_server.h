#pragma once
// The tests' (and bench_cluster's) name for the one private redis-server
// helper, fakes/redis_server.h, which the scenario runner uses too. Its users
// talk to that server through RedisConnection, which they get from here.
#include "fakes/redis_server.h"
#include "router/cluster/redis_connection.h"

namespace keyward::cluster::test {

using RedisServer = fakes::RedisServer;

}  // namespace keyward::cluster::test
