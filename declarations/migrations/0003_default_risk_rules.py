"""A fresh installation starts with one risk rule: a company's first declaration goes yellow."""

from django.db import migrations


def seed(apps, schema_editor):
    RoutingRule = apps.get_model("declarations", "RoutingRule")
    if not RoutingRule.objects.filter(kind="first_declaration_yellow").exists():
        RoutingRule.objects.create(
            kind="first_declaration_yellow",
            note="Documents of a company's first declaration are checked (yellow channel).",
        )


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_routing_rules_review_targets")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
