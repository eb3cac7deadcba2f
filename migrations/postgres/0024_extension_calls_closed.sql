-- Custom extensions, second round (docs/EXTENSIONS.md):
--
-- - A call can be `closed`: a launch-and-wait call whose request was closed (canceled,
--   denied, expired) before the extension answered. It is not sent any more and cannot be
--   answered.
-- - `callback_token_hash` holds the SHA-256 (hex) of every callback token issued for the
--   call, space-separated.
-- - A policy's rotated signing secret keeps signing next to the new one until
--   `extension_secret_previous_until`, as a webhook subscription's does.

ALTER TABLE extension_calls DROP CONSTRAINT extension_calls_state_check;
ALTER TABLE extension_calls ADD CONSTRAINT extension_calls_state_check CHECK (state IN
    ('pending', 'sent', 'waiting', 'resumed', 'timed_out', 'failed', 'closed'));

ALTER TABLE assignment_policies ADD COLUMN extension_secret_previous TEXT;
ALTER TABLE assignment_policies ADD COLUMN extension_secret_previous_until TIMESTAMPTZ;
