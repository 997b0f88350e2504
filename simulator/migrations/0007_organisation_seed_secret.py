import secrets

from django.db import migrations, models

import simulator.models


def give_each_organisation_its_own_secret(apps, schema_editor):
    # A callable default runs once for all existing rows; every organisation needs its own secret.
    Organisation = apps.get_model("simulator", "Organisation")
    for organisation in Organisation.objects.only("pk"):
        Organisation.objects.filter(pk=organisation.pk).update(seed_secret=secrets.token_hex(32))


class Migration(migrations.Migration):
    dependencies = [("simulator", "0006_participant_erased_at")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="seed_secret",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(give_each_organisation_its_own_secret, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organisation",
            name="seed_secret",
            field=models.CharField(default=simulator.models.new_seed_secret, editable=False, max_length=64),
        ),
    ]
