"""A readable HTML page of the API, rendered on the server from the OpenAPI document.

No script and no third-party assets, so it works under the strict CSP and
offline: each operation with its access rule, parameters, body and answers.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else json.dumps(schema)


def render_docs_page(document: dict[str, Any]) -> str:
    """The whole page."""
    info = document["info"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info['title'])}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<link rel='stylesheet' href='/static/site.css'></head><body><main>",
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/api/v1/openapi.json'>openapi.json</a>.</p>",
    ]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            parts.append(f"<section class='op' id='{escape(op['operationId'])}'>")
            method_html = f"<span class='method'>{escape(method.upper())}</span>"
            parts.append(f"<h2>{method_html} <code>{escape(path)}</code></h2>")
            access = f"access: <em>{escape(op['x-access'])}</em>"
            parts.append(f"<p><strong>{escape(op['summary'])}</strong> — {access}</p>")
            if op.get("description"):
                parts.append(f"<p>{escape(op['description'])}</p>")
            if op["parameters"]:
                parts.append("<h3>Parameters</h3><ul>")
                for p in op["parameters"]:
                    desc = escape(p.get("description", ""))
                    parts.append(
                        f"<li><code>{escape(p['name'])}</code> ({escape(p['in'])}) {desc}</li>"
                    )
                parts.append("</ul>")
            if "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                parts.append(
                    f"<h3>Body</h3><p><a href='#schema-{escape(_schema_name(schema))}'>"
                    f"{escape(_schema_name(schema))}</a></p>"
                )
            parts.append("<h3>Answers</h3><ul>")
            for status, response in op["responses"].items():
                content: dict[str, dict[str, Any]] = response.get("content", {})
                shown = [c["schema"] for c in content.values() if "schema" in c]
                name = f" — {escape(_schema_name(shown[0]))}" if shown else ""
                parts.append(f"<li>{escape(status)} {escape(response['description'])}{name}</li>")
            parts.append("</ul></section>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        parts.append(
            f"<section class='schema' id='schema-{escape(name)}'><h3>{escape(name)}</h3>"
            f"<pre>{escape(json.dumps(schema, indent=2))}</pre></section>"
        )
    parts.append("</main></body></html>")
    return "".join(parts)
