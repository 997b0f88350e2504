"""The scorecard CSV that the comparison page and the API stream: one writer for both."""

import csv

from django.http import StreamingHttpResponse

from scoring.staff_selectors import comparison_row, csv_cells, csv_header


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def scorecards_csv_response(rows, dimensions: list[str], *, filename: str) -> StreamingHttpResponse:
    """Stream the rows as CSV in chunks of 1,000, never holding them all in memory; every cell is
    formula-safe (`csv_cells`)."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(csv_header(dimensions))
        for scorecard in rows.iterator(chunk_size=1000):
            yield writer.writerow(csv_cells(comparison_row(scorecard, dimensions), dimensions))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
