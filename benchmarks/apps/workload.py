"""The "realistic JSON endpoint": a 2 KB order in, a 5 KB priced order out.

Both frameworks call :func:`price_order` on the parsed body, so the app work is identical and the
difference between adapters is what the benchmark sees.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict


def order(lines: int = 13) -> Dict[str, Any]:
    """A shopping-cart order of ``lines`` items; 13 lines encode to about 2 KB."""
    return {
        "order_id": "ord-2024-000183",
        "customer": {"id": 4711, "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
        "currency": "EUR",
        "items": [
            {
                "sku": f"SKU-{1000 + i}",
                "name": f"Item number {i} with a descriptive name",
                "quantity": 1 + i % 3,
                "unit_price": round(3.5 + i * 1.25, 2),
                "tags": ["books", "paper"] if i % 2 else ["tools"],
            }
            for i in range(lines)
        ],
        "shipping": {"method": "express", "address": "12 Example Street, 10115 Berlin, DE"},
        "notes": "Leave at the door if nobody answers.",
    }


ORDER_BODY = json.dumps(order()).encode("utf-8")


def price_order(data: Dict[str, Any]) -> Dict[str, Any]:
    """The reply: every line priced and described; about 5 KB as JSON for :data:`ORDER_BODY`."""
    lines = []
    total = 0.0
    for item in data["items"]:
        amount = round(item["quantity"] * item["unit_price"], 2)
        total += amount
        lines.append(
            {
                "sku": item["sku"],
                "name": item["name"],
                "quantity": item["quantity"],
                "unit_price": item["unit_price"],
                "amount": amount,
                "tax": round(amount * 0.19, 2),
                "tags": item["tags"],
                "availability": "in stock, ships within 24 hours from the Berlin warehouse",
                "warehouse": {"id": "BER-2", "aisle": 17, "shelf": "C"},
                "url": f"https://shop.example.com/items/{item['sku'].lower()}",
            }
        )
    return {
        "order_id": data["order_id"],
        "status": "priced",
        "customer": data["customer"],
        "currency": data["currency"],
        "lines": lines,
        "total": round(total, 2),
        "tax": round(total * 0.19, 2),
        "shipping": data["shipping"],
        "messages": ["Prices include VAT where applicable.", "Free returns within 30 days."],
    }
