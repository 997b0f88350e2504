"""Server-rendered line charts (SVG geometry for the templates; no script, no library from the
internet). Every chart has a table with the same numbers next to it."""

from dataclasses import dataclass

# Eight colours that stay apart for common colour-vision deficiencies and keep 3:1 on white.
PALETTE = ["#2456d6", "#c2410c", "#1d7a46", "#8b2fc9", "#b4232a", "#0f766e", "#7a5c00", "#4b5563"]
MARKERS = ["circle", "square", "diamond", "ring"]


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: list[tuple[int, float | None]]  # (x index, value); None leaves a gap


def line_chart(
    series: list[Series], x_labels: list[str], *, y_min: float, y_max: float, y_ticks: list[float],
    width: int = 640, height: int = 240, unit: str = "",
) -> dict:  # fmt: skip
    left, right, top, bottom = 40, width - 32, 14, height - 34
    count = max(len(x_labels), 1)
    span = (right - left) / max(count - 1, 1)

    def x_at(index: int) -> float:
        return round(left + (index * span if count > 1 else (right - left) / 2), 1)

    def y_at(value: float) -> float:
        share = (value - y_min) / (y_max - y_min) if y_max > y_min else 0.5
        return round(bottom - share * (bottom - top), 1)

    lines = []
    for number, one in enumerate(series):
        present = [(i, v) for i, v in one.points if v is not None]
        lines.append(
            {
                "key": one.key,
                "label": one.label,
                "colour": PALETTE[number % len(PALETTE)],
                "marker": MARKERS[number % len(MARKERS)],
                "path": " ".join(f"{x_at(i)},{y_at(v)}" for i, v in present),
                "points": [
                    {"x": x_at(i), "y": y_at(v), "value": f"{v:.1f}{unit}", "label": x_labels[i]}
                    for i, v in present
                ],
            }
        )
    every = max(1, count // 8)  # at most about eight labels under the axis
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "ticks": [{"y": y_at(t), "label": f"{t:g}"} for t in y_ticks],
        "x_labels": [
            # "#3 02 Dec": the number alone stays on a narrow screen, where the date would overlap.
            {
                "x": x_at(i),
                "label": label,
                "short": label.split(" ", 1)[0],
                "rest": label[len(label.split(" ", 1)[0]) :],
            }
            for i, label in enumerate(x_labels)
            if i % every == 0 or i == count - 1
        ],
        "lines": lines,
    }
