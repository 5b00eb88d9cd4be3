"""`flask partners ...`: an administrator sets a partner's webhook and purges old idempotency keys."""
from __future__ import annotations

from app.services.intake import idempotency
from app.services.messaging import partner_webhooks


def test_an_admin_sets_and_removes_a_partner_webhook(app, session, make_token):
    token, _secret = make_token("partner")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["partners", "webhook", token.prefix, "https://partner.example.org/hook"])
    assert result.exit_code == 0, result.output
    assert "signing secret (shown once): whsec_" in result.output
    assert partner_webhooks.get(session, token.id).url == "https://partner.example.org/hook"
    again = runner.invoke(args=["partners", "webhook", token.prefix, "https://partner.example.org/v2", "--inactive"])
    assert "inactive" in again.output and "secret" not in again.output
    assert runner.invoke(args=["partners", "webhook-remove", token.prefix]).exit_code == 0


def test_the_commands_refuse_cleanly(app, make_token):
    runner = app.test_cli_runner()
    admin, _ = make_token("admin")
    for args, words in ((["partners", "webhook", "sgp_nope00", "https://x.example"], "no live token"),
                        (["partners", "webhook", admin.prefix, "https://x.example"], "webhooks are for partner"),
                        (["partners", "webhook", "sgp", "https://x.example"], "prefix"),
                        (["partners", "webhook-remove", admin.prefix], "partner")):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and words in result.output, result.output
    partner, _ = make_token("partner")
    bad = runner.invoke(args=["partners", "webhook", partner.prefix, "ftp://x.example"])
    assert bad.exit_code != 0 and "http(s) URL" in bad.output


def test_purge_keys_forgets_old_keys(app, session, clock, make_token):
    token, _ = make_token("partner")
    idempotency.begin(session, clock.now(), token_id=token.id, key="k1", fingerprint="f")
    clock.advance(days=2)
    result = app.test_cli_runner().invoke(args=["partners", "purge-keys"])
    assert result.exit_code == 0 and result.output.startswith("1 idempotency keys purged")
