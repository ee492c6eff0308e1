"""The OTP rules of the guide and the issue: 6 digits, 5 minutes, 5 tries, 60 s, 3 resends."""

from __future__ import annotations

from bot.otp import OtpCheck, OtpService, ResendCheck

KEY = b"k" * 32
PHONE = "+84912345678"


def test_a_code_has_six_digits_and_is_not_kept_in_clear():
    code, state = OtpService(KEY).issue(0.0, PHONE)
    assert len(code) == 6 and code.isdigit()
    assert code not in repr(state)


def test_the_right_code_passes_once():
    otp = OtpService(KEY)
    code, state = otp.issue(0.0, PHONE)
    assert otp.verify(state, code, 10.0) is OtpCheck.OK
    assert otp.verify(state, code, 11.0) is OtpCheck.EXHAUSTED  # single use


def test_a_passed_code_tells_when_and_after_how_many_tries_for_the_evidence():
    otp = OtpService(KEY)
    code, state = otp.issue(100.0, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    assert otp.verify(state, wrong, 110.0) is OtpCheck.WRONG
    assert otp.verify(state, code, 130.0) is OtpCheck.OK
    assert (state.attempts, state.verified_at, otp.tries_left(state)) == (2, 130.0, 0)
    assert not otp.is_live(state, 131.0)
    assert otp.verify(state, code, 131.0) is OtpCheck.EXHAUSTED  # still single use


def test_five_wrong_tries_exhaust_the_code():
    otp = OtpService(KEY)
    code, state = otp.issue(0.0, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    results = [otp.verify(state, wrong, 1.0) for _ in range(5)]
    assert results == [OtpCheck.WRONG] * 4 + [OtpCheck.EXHAUSTED]
    assert otp.verify(state, code, 2.0) is OtpCheck.EXHAUSTED


def test_a_code_expires_after_five_minutes():
    otp = OtpService(KEY)
    code, state = otp.issue(0.0, PHONE)
    assert otp.verify(state, code, 301.0) is OtpCheck.EXPIRED


def test_resend_after_sixty_seconds_at_most_three_times():
    otp = OtpService(KEY)
    _, state = otp.issue(0.0, PHONE)
    assert otp.can_resend(state, 30.0) == (ResendCheck.TOO_SOON, 30)
    now = 0.0
    for _ in range(3):
        now += 60
        assert otp.can_resend(state, now)[0] is ResendCheck.OK
        _, state = otp.issue(now, PHONE, state)
    assert otp.can_resend(state, now + 600)[0] is ResendCheck.LIMIT
