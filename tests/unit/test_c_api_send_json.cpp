// pm_host_send_json to a runtime without a message handler (issue 23 item 6): as from every way in,
// that runtime prints the JSON on stdout and the reply is null; with a handler, the handler replies.
#include <promethean/promethean.h>

#include <gtest/gtest.h>

#include <string>

TEST(CApiSendJson, WithoutAHandlerTheRuntimePrintsTheJsonAndTheReplyIsNull) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("sh,meta", 0, &host), nullptr);
  testing::internal::CaptureStdout();
  pm_message* sh_reply = nullptr;
  pm_message* meta_reply = nullptr;
  pm_error* sh_error = pm_host_send_json(host, "sh", R"({"msg": "hello", "lang": "sh"})", &sh_reply);
  pm_error* meta_error = pm_host_send_json(host, "meta", R"([1, {"k": null}])", &meta_reply);
  const std::string out = testing::internal::GetCapturedStdout();
  ASSERT_EQ(sh_error, nullptr) << pm_error_message(sh_error);
  ASSERT_EQ(meta_error, nullptr) << pm_error_message(meta_error);
  EXPECT_STREQ(pm_message_json(sh_reply), "null");
  EXPECT_STREQ(pm_message_json(meta_reply), "null");
  EXPECT_EQ(out, "{\"lang\":\"sh\",\"msg\":\"hello\"}\n[1,{\"k\":null}]\n");
  pm_message_delete(sh_reply);
  pm_message_delete(meta_reply);
  // A handler set, the message goes to it and its reply comes back (nothing printed).
  ASSERT_EQ(pm_host_set_message_handler(host, "sh", "read line; printf '{\"got\": %s}' \"$line\""), nullptr);
  testing::internal::CaptureStdout();
  pm_message* reply = nullptr;
  pm_error* e = pm_host_send_json(host, "sh", "7", &reply);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  ASSERT_EQ(e, nullptr) << pm_error_message(e);
  EXPECT_STREQ(pm_message_json(reply), "{\"got\":7}");
  pm_message_delete(reply);
  pm_host_delete(host);
}
