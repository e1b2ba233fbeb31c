# Short dates and times in the admin and the pages: "30 Nov 2026, 12:02", 24-hour clock as the
# gates run on.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
