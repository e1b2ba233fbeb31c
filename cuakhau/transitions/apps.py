from django.apps import AppConfig


class TransitionsConfig(AppConfig):
    name = "cuakhau.transitions"
    label = "transitions"
    verbose_name = "Transition log"
