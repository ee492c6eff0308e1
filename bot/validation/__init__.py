"""Validators of typed input: pure functions returning a normalised value or raising Invalid."""

from bot.validation.codes import OTP_LENGTH, parse_otp
from bot.validation.identity import (
    PROVINCE_CODES,
    Gender,
    IdNumber,
    cccd_birth_year,
    check_birth_year,
    parse_bhxh_code,
    parse_budget_code,
    parse_cccd,
    parse_citizen_id,
    parse_cmnd,
    parse_passport,
    parse_tax_code,
)
from bot.validation.limits import MAX_INPUT_LENGTH, check_length, clean
from bot.validation.masking import mask_email, mask_id, mask_phone
from bot.validation.password import PASSWORD_MAX, PASSWORD_MIN, check_password
from bot.validation.person import (
    EARLIEST_BIRTH_YEAR,
    NAME_MAX,
    NAME_MIN,
    names_match,
    parse_birth_date,
    parse_email,
    parse_full_name,
    parse_phone,
)
from bot.validation.refusal import Invalid

__all__ = [
    "EARLIEST_BIRTH_YEAR",
    "MAX_INPUT_LENGTH",
    "NAME_MAX",
    "NAME_MIN",
    "OTP_LENGTH",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "PROVINCE_CODES",
    "Gender",
    "IdNumber",
    "Invalid",
    "cccd_birth_year",
    "check_birth_year",
    "check_length",
    "check_password",
    "clean",
    "mask_email",
    "mask_id",
    "mask_phone",
    "names_match",
    "parse_bhxh_code",
    "parse_birth_date",
    "parse_budget_code",
    "parse_cccd",
    "parse_citizen_id",
    "parse_cmnd",
    "parse_email",
    "parse_full_name",
    "parse_otp",
    "parse_passport",
    "parse_phone",
    "parse_tax_code",
]
