/* Anchor for the sip_parse bench: sofia-sip's eager typed parse of one datagram, the way its
 * transport layer hands a received datagram to the parser (a fresh message object, the bytes
 * copied into its buffer, committed with end of stream, msg_extract, destroyed). */
#include <stddef.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

/* 1 when the message parsed and every header typed, 0 when it parsed with erroneous headers
 * kept aside, -1 when it was rejected. */
int yeastar_bench_sofia_parse(const char *data, size_t len) {
  msg_t *msg = msg_create(sip_default_mclass(), 0);
  if (msg == NULL) {
    return -1;
  }
  char *buf = msg_buf_alloc(msg, len + 1);
  if (buf == NULL) {
    msg_destroy(msg);
    return -1;
  }
  memcpy(buf, data, len);
  buf[len] = '\0';
  msg_buf_commit(msg, len, 1);
  int outcome = -1;
  if (msg_extract(msg) > 0) {
    sip_t const *sip = sip_object(msg);
    outcome = sip != NULL && sip->sip_error == NULL ? 1 : 0;
  }
  msg_destroy(msg);
  return outcome;
}
