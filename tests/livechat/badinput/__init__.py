"""Bad input (issue #8): what is tested where.

Here (Hypothesis, bounded examples, no deadline, derandomized; fixtures shared by examples):
- test_socket_fuzz: `user_uttered` and `session_request` with any JSON over a real socket;
  SQL-looking strings, markup, control characters stored verbatim; oversized messages and
  frames over Engine.IO's 1 MB limit.
- test_twilio_fuzz: the SMS and status webhooks with any form, signed with the real
  RequestValidator or forged; raw bodies (not UTF-8, bad multipart, files).
- test_open311_fuzz: POST parameters (form and JSON), GET filters and paths, raw bodies;
  hostile descriptions read back verbatim.
- test_log_masking: a real request's log line with a phone number and an email, masked.

Elsewhere, already covered before this folder:
- bilingual refusals of malformed events, too long, no session, bad session ids, database
  down: tests/livechat/channels/test_web.py; agent events: tests/livechat/agents/test_hub.py
- floods: one web session (test_web.py::test_rate_limit), one number
  (tests/livechat/sms/test_channel.py::test_a_flood_gets_one_polite_bilingual_notice_per_window,
  tests/livechat/sms/test_ratelimit.py), agent logins (tests/livechat/agents/test_login.py)
- forged signatures: tests/livechat/sms/test_channel.py (missing, forged, another URL/token/body)
- an agent token replayed after logout: tests/livechat/agents/test_login.py
  ::test_logout_revokes_replay_and_cuts_connected_sockets
- uploads: too large (413), streamed past the limit, not an image (415), malformed (400):
  tests/livechat/test_uploads.py, tests/livechat/requests/test_photos.py
- HTML and script shown escaped: the widget in Chromium (tests/widget/test_chat.py
  ::test_html_in_messages_is_shown_as_text_and_links_are_safe), the console with a real
  gateway (tests/console/test_chat.py)
- Open311 api_key and bad parameters: tests/livechat/requests/test_open311.py
"""
