# Django's Vietnamese formats set "." as the thousand separator but no grouping, so 32000 kg and
# 1200000 VND came out ungrouped. Vietnamese writes 32.000 and 1.200.000.
NUMBER_GROUPING = 3

# Short dates and times: "30/11/2026 12:02" instead of Django's "12:02 Ngày 30 tháng 11 năm 2026",
# which made the officers' queue scroll sideways at 1366 px.
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
