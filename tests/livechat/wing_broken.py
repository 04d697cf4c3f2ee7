"""A wing whose import fails on a missing dependency (test_app checks it is not hidden)."""

import livechat_dependency_that_does_not_exist  # noqa: F401
