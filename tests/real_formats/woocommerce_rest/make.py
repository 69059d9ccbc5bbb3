#!/usr/bin/env python3
"""Writes orders.json: invented French orders shaped like the WooCommerce REST API v3 response
of GET /wp-json/wc/v3/orders (an array of orders, every top-level key of the API in its order,
money as strings with 2 decimals excluding tax, line `price` a JSON number, taxes[] with the
unrounded amounts, compact JSON with non-ASCII and '/' escaped as WordPress's wp_json_encode
writes them).

- 5101: a guest (customer_id 0), two lines, a 10 % coupon spread on the lines by WooCommerce,
  Colissimo shipping, one 20 % rate.
- 5102: a company (customer 27) with its VAT number in meta_data (_billing_vat), lines at
  20 % and 5.5 %, an HTML entity in a product name, a gift-wrapping fee, Chronopost, another
  delivery address with an address line 2.
- 5103: cancelled (not imported).
- 5104: an existing client of the list (its e-mail), free shipping (store pickup).

Run from this folder: python3 make.py
"""
from datetime import datetime, timedelta
from decimal import Decimal as D, ROUND_HALF_UP
import json

RATES = {1: ("FR-TVA-1", "TVA 20 %", D("20")), 2: ("FR-TVA RÉDUITE-2", "TVA 5,5 %", D("5.5"))}


def m(x):
    return f"{D(x).quantize(D('0.01'), rounding=ROUND_HALF_UP)}"


def tax(amount, rate_id):
    return D(amount) * RATES[rate_id][2] / 100


def gmt(local):
    """Paris is UTC+1 in November."""
    return (datetime.fromisoformat(local) - timedelta(hours=1)).isoformat()


def address(first, last, company, a1, a2, city, postcode, email=None, phone=""):
    a = {"first_name": first, "last_name": last, "company": company, "address_1": a1, "address_2": a2,
         "city": city, "state": "", "postcode": postcode, "country": "FR"}
    if email is not None:
        a["email"] = email
    a["phone"] = phone
    return a


def order(n, status, date, customer_id, billing, shipping, items, shipping_line, coupon=None, fees=(),
          payment=("bacs", "Virement bancaire"), meta=(), note=""):
    """items: (name, sku, qty, unit excl, rate_id); coupon: (code, percent)."""
    line_items, per_rate = [], {}
    discount = discount_tax = cart_tax = D(0)
    for k, (name, sku, qty, unit, rid) in enumerate(items):
        sub = D(unit) * qty
        tot = sub * (1 - D(coupon[1]) / 100) if coupon else sub
        tot = D(m(tot))
        sub_tax, tot_tax = tax(sub, rid), tax(tot, rid)
        discount += sub - tot
        discount_tax += D(m(sub_tax)) - D(m(tot_tax))
        cart_tax += D(m(tot_tax))
        per_rate.setdefault(rid, [D(0), D(0)])[0] += D(m(tot_tax))
        line_items.append({
            "id": 900 + n % 100 * 10 + k, "name": name, "product_id": 40 + k, "variation_id": 0, "quantity": qty,
            "tax_class": "" if rid == 1 else "taux-reduit", "subtotal": m(sub), "subtotal_tax": m(sub_tax),
            "total": m(tot), "total_tax": m(tot_tax),
            "taxes": [{"id": rid, "total": f"{tot_tax.normalize()}", "subtotal": f"{sub_tax.normalize()}"}],
            "meta_data": [], "sku": sku, "price": float(D(unit)),
            "image": {"id": "", "src": ""}, "parent_name": None,
        })
    fee_lines = []
    for k, (name, amount) in enumerate(fees):
        t = tax(amount, 1)
        cart_tax += D(m(t))
        per_rate.setdefault(1, [D(0), D(0)])[0] += D(m(t))
        fee_lines.append({"id": 950 + k, "name": name, "tax_class": "", "tax_status": "taxable", "amount": m(amount),
                          "total": m(amount), "total_tax": m(t),
                          "taxes": [{"id": 1, "total": f"{t.normalize()}", "subtotal": ""}], "meta_data": []})
    method_id, title, ship = shipping_line
    ship_tax = tax(ship, 1)
    if D(ship):
        per_rate.setdefault(1, [D(0), D(0)])[1] += D(m(ship_tax))
    total_tax = cart_tax + D(m(ship_tax))
    items_total = sum(D(li["total"]) for li in line_items) + sum(D(f["total"]) for f in fee_lines)
    total = items_total + D(ship) + total_tax
    base = f"https://boutique.exemple.fr/wp-json/wc/v3/orders/{n}"
    o = {
        "id": n, "parent_id": 0, "number": str(n), "order_key": f"wc_order_{n}aZk3Lq9Pw", "created_via": "checkout",
        "version": "8.9.3", "status": status, "currency": "EUR",
        "date_created": date, "date_created_gmt": gmt(date),
        "date_modified": date, "date_modified_gmt": gmt(date),
        "discount_total": m(discount), "discount_tax": m(discount_tax),
        "shipping_total": m(ship), "shipping_tax": m(ship_tax), "cart_tax": m(cart_tax),
        "total": m(total), "total_tax": m(total_tax), "prices_include_tax": False,
        "customer_id": customer_id, "customer_ip_address": "192.0.2.44",
        "customer_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        "customer_note": note, "billing": billing, "shipping": shipping,
        "payment_method": payment[0], "payment_method_title": payment[1], "transaction_id": "",
        "date_paid": date if status in ("processing", "completed") else None,
        "date_paid_gmt": gmt(date) if status in ("processing", "completed") else None,
        "date_completed": None, "date_completed_gmt": None, "cart_hash": "3f9a1c0e5b7d2a4c6e8f0a1b2c3d4e5f",
        "meta_data": [{"id": 7000 + n % 100 * 10 + k, "key": key, "value": value} for k, (key, value) in enumerate(meta)],
        "line_items": line_items,
        "tax_lines": [{"id": 960 + rid, "rate_code": RATES[rid][0], "rate_id": rid, "label": RATES[rid][1],
                       "compound": False, "tax_total": m(t[0]), "shipping_tax_total": m(t[1]),
                       "rate_percent": float(RATES[rid][2]) if RATES[rid][2] % 1 else int(RATES[rid][2]),
                       "meta_data": []} for rid, t in sorted(per_rate.items())],
        "shipping_lines": [{"id": 970, "method_title": title, "method_id": method_id, "instance_id": "3",
                            "total": m(ship), "total_tax": m(ship_tax),
                            "taxes": [{"id": 1, "total": f"{ship_tax.normalize()}" if D(ship) else "", "subtotal": ""}],
                            "meta_data": [{"id": 7990, "key": "Articles",
                                           "value": ", ".join(f"{i[0]} &times; {i[2]}" for i in items),
                                           "display_key": "Articles",
                                           "display_value": ", ".join(f"{i[0]} &times; {i[2]}" for i in items)}]}],
        "fee_lines": fee_lines,
        "coupon_lines": [{"id": 980, "code": coupon[0], "discount": m(discount), "discount_tax": m(discount_tax),
                          "meta_data": []}] if coupon else [],
        "refunds": [],
        "_links": {"self": [{"href": base}], "collection": [{"href": base.rsplit("/", 1)[0]}]},
    }
    return o


ORDERS = [
    order(5101, "processing", "2026-11-20T10:12:44", 0,
          address("Hélène", "Lefèvre", "", "27 avenue Jean-Jaurès", "", "Grenoble", "38000", "helene.lefevre@exemple.fr", "06 71 42 18 90"),
          address("Hélène", "Lefèvre", "", "27 avenue Jean-Jaurès", "", "Grenoble", "38000"),
          [("Savon d’Alep au laurier 200 g", "SAV-ALEP-200", 3, "5.00", 1),
           ("Bougie parfumée « Figuier » 180 g", "BOU-FIG-180", 1, "20.00", 1)],
          ("flat_rate", "Colissimo", "5.75"), coupon=("bienvenue10", "10"),
          payment=("stripe", "Carte bancaire"), note="Merci de laisser le colis à la gardienne."),
    order(5102, "completed", "2026-11-21T14:30:05", 27,
          address("Yann", "Le Goff", "Brasserie de l’Œuf SARL", "3 quai de la Douane", "", "Brest", "29200", "compta@brasserie-oeuf.bzh", "02 98 00 11 22"),
          address("Yann", "Le Goff", "Brasserie de l’Œuf SARL", "Zone artisanale de Kergaradec", "Bâtiment B – 3e étage", "Guipavas", "29490"),
          [("Coffret d&eacute;couverte &ndash; 6 bières", "COF-DEC-6", 2, "20.50", 1),
           ("Thé vert bio Sencha 100 g", "THE-SEN-100", 4, "6.40", 2)],
          ("flat_rate", "Chronopost Pro", "9.90"), fees=[("Emballage cadeau", "2.50")],
          meta=[("_billing_vat", "FR 72 823456785"), ("is_vat_exempt", "no")]),
    order(5103, "cancelled", "2026-11-22T09:01:00", 0,
          address("Théo", "Girard", "", "4 place Bellecour", "", "Lyon", "69002", "theo.girard@exemple.fr"),
          address("Théo", "Girard", "", "4 place Bellecour", "", "Lyon", "69002"),
          [("Savon d’Alep au laurier 200 g", "SAV-ALEP-200", 1, "5.00", 1)],
          ("flat_rate", "Colissimo", "5.75")),
    order(5104, "processing", "2026-11-23T16:45:00", 31,
          address("Margaux", "Saint-Jean", "Épicerie fine Saint-Jean", "3 rue Saint-Jean", "", "Lyon", "69005", "commandes@epicerie-saint-jean.fr", "04 78 00 00 00"),
          address("", "", "", "", "", "", ""),
          [("Thé vert bio Sencha 100 g", "THE-SEN-100", 12, "6.40", 2)],
          ("local_pickup", "Retrait en boutique", "0"), payment=("cheque", "Chèque")),
]

if __name__ == "__main__":
    # wp_json_encode escapes every '/' and every non-ASCII character.
    text = json.dumps(ORDERS, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
    with open("orders.json", "w", encoding="ascii", newline="") as f:
        f.write(text)
