from django.db import models

from scenarios.kinds import KIND_LIST

# The choices come from the kind registry; TRIAGE_QUEUE, INCIDENT, ... as with a declared class.
ScenarioKind = models.TextChoices(
    "ScenarioKind", [(kind.name.upper(), (kind.name, kind.label)) for kind in KIND_LIST]
)


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class ScenarioOrigin(models.TextChoices):
    GENERATED = "generated", "Generated"
    PACK = "pack", "Imported from a pack"


class Scenario(models.Model):
    """What a candidate may see. Its answer key lives in AnswerKey, a separate table.

    `reference` is the staff-facing identity (a pack's scenario id, or the generation inputs);
    it must never be shown to a candidate, since generation inputs regenerate the answer key.
    """

    # A generated log of more lines than this (the hard default) is kept only as LogLine rows, not in
    # `payload`: writing lines into a JSON value takes about 4 KB of memory a line (100,000 lines:
    # 380 MB), and a million lines are over 300 MB of JSON, more than PostgreSQL's jsonb holds (255 MB).
    # Rows are streamed (services._store_log_lines). full_payload() gives the payload with its lines
    # either way.
    PAYLOAD_LOG_LINES = 30_000

    reference = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=ScenarioKind.choices)
    archetype = models.CharField(max_length=64, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices)
    generator_version = models.PositiveIntegerField(null=True, blank=True)
    log_lines = models.PositiveIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=16, choices=ScenarioOrigin.choices)
    title = models.CharField(max_length=300)
    payload = models.JSONField()
    view_payload = models.JSONField(
        default=dict,
        help_text="The payload without the parts served page by page (log lines): what a workspace loads.",
    )
    content_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["kind", "archetype", "difficulty"])]

    def __str__(self) -> str:
        return self.reference

    def full_payload(self) -> dict:
        """The payload with its log lines, from the rows when the payload does not hold them."""
        if self.kind != "log_investigation" or "logs" in self.payload:
            return self.payload
        rows = self.log_rows.order_by("seq").iterator(chunk_size=5_000)
        return {**self.payload, "logs": [row.as_line() for row in rows]}


def view_payload_of(payload: dict) -> dict:
    """The payload minus its log lines, with their count in their place."""
    if "logs" not in payload:
        return payload
    view = {key: value for key, value in payload.items() if key != "logs"}
    view["log_count"] = len(payload["logs"])
    return view


class AnswerKey(models.Model):
    """What only scoring (and a trainee after a closed training attempt) may read."""

    scenario = models.OneToOneField(
        Scenario, on_delete=models.CASCADE, primary_key=True, related_name="answer_key"
    )
    content = models.JSONField()

    def __str__(self) -> str:
        return f"answer key of {self.scenario_id}"


class GenerationBatch(models.Model):
    """A batch of scenarios generated in the background, e.g. one variant per candidate."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    specs = models.JSONField(help_text="The list of generation inputs, one object per scenario.")
    total = models.PositiveIntegerField()
    completed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    scenarios = models.ManyToManyField(Scenario, blank=True, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.completed}/{self.total}, {self.status})"

    @property
    def progress(self) -> float:
        return self.completed / self.total if self.total else 1.0


class LogLine(models.Model):
    """One line of a log_investigation scenario, as a row, so a log explorer can filter and page
    through 100,000 lines without loading the payload. The payload keeps the canonical copy, except
    for a generated log longer than Scenario.PAYLOAD_LOG_LINES, whose rows are its only copy."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="log_rows")
    seq = models.PositiveIntegerField()
    line_id = models.CharField(max_length=16)
    ts = models.CharField(max_length=32, help_text="ISO 8601 UTC; sorts as time")
    level = models.CharField(max_length=8)
    service = models.CharField(max_length=64)
    host = models.CharField(max_length=128)
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16)
    request_id = models.CharField(max_length=32)
    tenant_id = models.CharField(max_length=32)
    message = models.TextField()
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    status = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["scenario", "seq"]
        constraints = [models.UniqueConstraint(fields=["scenario", "seq"], name="log_line_seq_per_scenario")]
        indexes = [
            models.Index(fields=["scenario", "trace_id"]),
            models.Index(fields=["scenario", "request_id"]),
            models.Index(fields=["scenario", "line_id"]),
            models.Index(fields=["scenario", "ts"]),
            models.Index(fields=["scenario", "level", "seq"]),
            models.Index(fields=["scenario", "service", "seq"]),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} of {self.scenario_id}"

    def as_line(self) -> dict:
        """The line as the payload holds it: a system line's missing ids stay missing."""
        line = {
            "id": self.line_id,
            "ts": self.ts,
            "level": self.level,
            "service": self.service,
            "host": self.host,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "request_id": self.request_id,
            "tenant_id": self.tenant_id,
            "message": self.message,
        }
        for field in ("trace_id", "span_id", "request_id", "tenant_id"):
            if not line[field]:
                del line[field]
        if self.method:
            line.update(method=self.method, path=self.path, status=self.status, latency_ms=self.latency_ms)
        return line
