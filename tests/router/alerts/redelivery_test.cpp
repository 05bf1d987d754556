// Redelivery within 30 s of a channel's return (issue 18, item 4): while
// deliveries are pending on a failed channel it is probed at least every
// 30 s; a good probe ends the backoff and its queue goes out at once, in
// order. Time is the injected SimClock; the sinks are real.
#include <gtest/gtest.h>

#include "router/alerts/dispatcher.h"
#include "router/core/incidents.h"
#include "tests/router/alerts/sink_world.h"
#include "tests/router/store/founding_world.h"

namespace keyward::alerts {
namespace {

using namespace std::chrono_literals;

TEST(Redelivery, SmtpBackAfterSevenMinutesGetsItsQueueWithinThirtySeconds) {
  test::SinkWorld sinks;
  test::FoundingWorld world;
  store::MemoryOutbox queue;
  MemoryIncidentStore incidents;
  AlertDispatcher dispatcher(queue, world.clock, make_channels(sinks.settings));
  IncidentEngine engine(world.config, AlertPolicy{}, world.clock, dispatcher, incidents);
  world.start(&engine);

  fakes::SinkFault down;
  down.kind = fakes::SinkFault::Kind::down;
  sinks.smtp().set_fault(down);
  world.ask();  // the emergency: ten emails queued
  // Seven minutes down, the dispatcher passing every 5 s: the rows back off
  // to minutes between tries.
  for (int i = 0; i < 7 * 12; ++i) {
    dispatcher.drain_once();
    world.clock.advance(5s);
  }
  ASSERT_EQ(sinks.smtp().messages().size(), 0u);
  WallTime back = world.clock.wall();
  sinks.smtp().clear_faults();
  while (sinks.smtp().messages().size() < 10 && world.clock.wall() - back <= 30s) {
    dispatcher.drain_once();
    world.clock.advance(5s);
  }
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 10u) << "not all delivered within 30 s of the server's return";
  EXPECT_EQ(mails[0].subject, "❌ Groq Key 1 Authentication Failed") << "in the order they were raised";
  EXPECT_EQ(mails[9].subject, "🚨 EMERGENCY: All AI Keys Failed!");
  EXPECT_GT(dispatcher.stats().probes, 0u);
  EXPECT_EQ(queue.counts().pending, 0u);
  dispatcher.drain_once();
  world.clock.advance(10min);
  dispatcher.drain_once();
  EXPECT_EQ(sinks.smtp().messages().size(), 10u) << "and exactly once";
}

TEST(Redelivery, ADeadChannelIsProbedEveryThirtySecondsNotEveryPass) {
  test::SinkWorld sinks;
  test::FoundingWorld world;
  store::MemoryOutbox queue;
  MemoryIncidentStore incidents;
  ChannelSettings email_only = sinks.settings;
  email_only.telegram_token.clear();
  email_only.webhook_url.clear();
  AlertDispatcher dispatcher(queue, world.clock, make_channels(email_only));
  IncidentEngine engine(world.config, AlertPolicy{}, world.clock, dispatcher, incidents);
  world.start(&engine);
  fakes::SinkFault down;
  down.kind = fakes::SinkFault::Kind::down;
  sinks.smtp().set_fault(down);
  world.ask();
  dispatcher.drain_once();  // the first try fails: the channel is in backoff
  uint64_t before = dispatcher.stats().probes;
  for (int i = 0; i < 60; ++i) {  // ten simulated minutes, a pass every 10 s
    world.clock.advance(10s);
    dispatcher.drain_once();
  }
  uint64_t probes = dispatcher.stats().probes - before;
  EXPECT_GE(probes, 19u) << "at least every 30 s";
  EXPECT_LE(probes, 21u) << "not on every pass";
}

}  // namespace
}  // namespace keyward::alerts
