# Django's Vietnamese formats set "." as the thousand separator but no grouping, so 32000 kg and
# 1200000 VND came out ungrouped. Vietnamese writes 32.000 and 1.200.000.
NUMBER_GROUPING = 3
