#!/usr/bin/env python3
"""Writes invented PrestaShop webservice files as the webservice gives them: one resource per
file (orders.xml = /api/orders?display=full, customers.xml = /api/customers?display=full,
addresses.xml = /api/addresses?display=full, order_details.xml = /api/order_details?display=full),
each its own document: <?xml ...?> then <prestashop xmlns:xlink=...> around the plural list,
tab-indented, LF, every scalar in CDATA, foreign keys with xlink:href, 6-decimal amounts, zero
dates, the 1.7 element lists (customers with reset_password_token / _validity).

- 301: a B2C order in prices incl. tax, a cart-rule discount, Colissimo.
- 302: a wine shop already in Sage (found by its SIRET), prices excl. tax at 5.5 % and 20 %,
  delivery to its warehouse (another address).
- 303: cancelled (not imported).
- 304: a new company (B2B mode: company, SIRET and APE on the customer, VAT number on the
  invoice address), gift wrapping, Chronopost.

Run from this folder: python3 make.py
"""
from decimal import Decimal as D, ROUND_HALF_UP
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from french_ids import company_ids  # noqa: E402

HOST = "https://epicerie-provence.exemple.fr/api"
BEAUNE_SIRET = "811 334 572 00013"
JARDINS_SIRET, JARDINS_VAT = company_ids("73401122")


def six(x):
    return f"{D(x).quantize(D('0.000001'), rounding=ROUND_HALF_UP)}"


def cdata(v):
    return "" if v == "" else f"<![CDATA[{v}]]>"


def field(name, value, link=None):
    href = f' xlink:href="{HOST}/{link}/{value}"' if link else ""
    return f"\t<{name}{href}>{cdata(value)}</{name}>"


def document(plural, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">',
           f"<{plural}>"]
    for i in items:
        out += i
    out += [f"</{plural}>", "</prestashop>"]
    return "\n".join(out) + "\n"


CUSTOMERS = [
    # id, firstname, lastname, email, company, siret, ape
    ("612", "Claire", "Fontaine", "claire.fontaine@exemple.fr", "", "", ""),
    ("613", "Étienne", "Morel", "cave@cote-beaune.fr", "Cave de la Côte de Beaune", BEAUNE_SIRET, "4725Z"),
    ("614", "Lucas", "Perrin", "lucas.perrin@exemple.fr", "", "", ""),
    ("615", "Élise", "Vasseur", "contact@jardins-elise.fr", "Les Jardins d’Élise SARL", JARDINS_SIRET, "8130Z"),
]

ADDRESSES = [
    # id, id_customer, alias, company, lastname, firstname, vat_number, address1, address2, postcode, city, phone, mobile
    ("820", "612", "Mon adresse", "", "Fontaine", "Claire", "", "9 rue des Oliviers", "Le Clos – villa 4", "13100",
     "Aix-en-Provence", "", "06 22 33 44 55"),
    ("821", "613", "Boutique", "Cave de la Côte de Beaune", "Morel", "Étienne", "FR91811334572",
     "12 rue d’Alsace", "", "21200", "Beaune", "03 80 00 11 22", ""),
    ("822", "613", "Entrepôt", "Cave de la Côte de Beaune", "Morel", "Étienne", "", "ZA Les Blanches Fleurs",
     "Quai de chargement n° 3", "21200", "Beaune", "03 80 00 11 23", ""),
    ("823", "614", "Maison", "", "Perrin", "Lucas", "", "2 place du Forum", "", "30000", "Nîmes", "", ""),
    ("824", "615", "Siège", "Les Jardins d’Élise SARL", "Vasseur", "Élise", JARDINS_VAT, "45 chemin du Mas-Neuf",
     "", "84000", "Avignon", "04 90 00 00 12", "06 98 76 54 32"),
]

# rows: (product_id, name, reference, qty, unit on the order's basis, rate)
ORDERS = [
    dict(id="301", ref="KZQWERTYU", customer="612", inv="820", dlv="820", carrier="2", state="2",
         module="ps_checkout", payment="Carte bancaire", date="2026-11-20 09:41:12", invoice=("41", "2026-11-20 09:45:00"),
         basis="incl", ship="6.90", discount="5.00",
         rows=[("51", "Savon de Marseille à l’huile d’olive 300 g", "SAV-MARS-300", 3, "4.50", "20"),
               ("52", "Bougie « Lavandin » 200 g", "BOU-LAV-200", 1, "18.00", "20")]),
    dict(id="302", ref="PLMOKNIJB", customer="613", inv="821", dlv="822", carrier="2", state="3",
         module="ps_wirepayment", payment="Virement bancaire", date="2026-11-21 16:02:33", invoice=("0", "0000-00-00 00:00:00"),
         basis="excl", ship="15.00",
         rows=[("53", "Miel de lavande de Provence 500 g", "MIEL-LAV-500", 12, "8.00", "5.5"),
               ("54", "Coffret dégustation « Terroirs »", "COF-TER", 2, "37.50", "20")]),
    dict(id="303", ref="ANNULEPQR", customer="614", inv="823", dlv="823", carrier="2", state="6",
         module="ps_checkout", payment="Carte bancaire", date="2026-11-22 11:11:11", invoice=("0", "0000-00-00 00:00:00"),
         basis="incl", ship="6.90",
         rows=[("52", "Bougie « Lavandin » 200 g", "BOU-LAV-200", 2, "18.00", "20")]),
    dict(id="304", ref="ZXCVBNMAS", customer="615", inv="824", dlv="824", carrier="4", state="2",
         module="ps_checkpayment", payment="Chèque", date="2026-11-23 14:20:00", invoice=("42", "2026-11-23 15:00:00"),
         basis="incl", ship="12.00", wrapping="3.00",
         rows=[("53", "Miel de lavande de Provence 500 g", "MIEL-LAV-500", 6, "9.50", "5.5"),
               ("55", "Panier garni « Provence »", "PAN-PROV", 1, "59.00", "20")]),
]


def prices(unit, rate, basis):
    """The typed side is exact; PrestaShop derives the other with 6 decimals."""
    r = 1 + D(rate) / 100
    return (D(six(D(unit) / r)), D(unit)) if basis == "incl" else (D(unit), D(six(D(unit) * r)))


def row_id(o, pid):
    return str(int(o["id"]) * 10 + int(pid) - 50)


def order_xml(o):
    rows, tot_excl, tot_incl = [], D(0), D(0)
    for pid, name, ref, qty, unit, rate in o["rows"]:
        excl, incl = prices(unit, rate, o["basis"])
        tot_excl += excl * qty
        tot_incl += incl * qty
        rows.append("\n".join([
            "\t<order_row>", field("id", row_id(o, pid)), field("product_id", pid), field("product_attribute_id", "0"),
            field("product_quantity", str(qty)), field("product_name", name), field("product_reference", ref),
            field("product_ean13", ""), field("product_isbn", ""), field("product_upc", ""),
            field("product_price", six(excl)), field("id_customization", "0"),
            field("unit_price_tax_incl", six(incl)), field("unit_price_tax_excl", six(excl)), "\t</order_row>",
        ]))
    ship_excl, ship_incl = prices(o["ship"], "20", "incl" if o["basis"] == "incl" else "excl")
    disc_excl, disc_incl = prices(o.get("discount", "0"), "20", o["basis"])
    wrap_excl, wrap_incl = prices(o.get("wrapping", "0"), "20", "incl")
    paid_incl = tot_incl + ship_incl + wrap_incl - disc_incl
    paid_excl = tot_excl + ship_excl + wrap_excl - disc_excl
    return [
        "<order>", field("id", o["id"]), field("id_address_delivery", o["dlv"], "addresses"),
        field("id_address_invoice", o["inv"], "addresses"), field("id_cart", str(int(o["id"]) + 500), "carts"),
        field("id_currency", "1", "currencies"), field("id_lang", "1", "languages"),
        field("id_customer", o["customer"], "customers"), field("id_carrier", o["carrier"], "carriers"),
        field("current_state", o["state"], "order_states"), field("module", o["module"]),
        field("invoice_number", o["invoice"][0]), field("invoice_date", o["invoice"][1]),
        field("delivery_number", "0"), field("delivery_date", "0000-00-00 00:00:00"),
        field("valid", "0" if o["state"] == "6" else "1"), field("date_add", o["date"]), field("date_upd", o["date"]),
        '\t<shipping_number notFilterable="true"></shipping_number>',
        field("id_shop_group", "1"), field("id_shop", "1"), field("secure_key", "5d41402abc4b2a76b9719d911017c592"),
        field("payment", o["payment"]), field("recyclable", "0"), field("gift", "1" if o.get("wrapping") else "0"),
        field("gift_message", ""), field("mobile_theme", "0"),
        field("total_discounts", six(disc_incl)), field("total_discounts_tax_incl", six(disc_incl)),
        field("total_discounts_tax_excl", six(disc_excl)), field("total_paid", six(paid_incl)),
        field("total_paid_tax_incl", six(paid_incl)), field("total_paid_tax_excl", six(paid_excl)),
        field("total_paid_real", six(paid_incl)), field("total_products", six(tot_excl)),
        field("total_products_wt", six(tot_incl)), field("total_shipping", six(ship_incl)),
        field("total_shipping_tax_incl", six(ship_incl)), field("total_shipping_tax_excl", six(ship_excl)),
        field("carrier_tax_rate", "20.000"), field("total_wrapping", six(wrap_incl)),
        field("total_wrapping_tax_incl", six(wrap_incl)), field("total_wrapping_tax_excl", six(wrap_excl)),
        field("round_mode", "2"), field("round_type", "2"), field("conversion_rate", "1.000000"),
        field("reference", o["ref"]),
        "<associations>", '<order_rows nodeType="order_row" virtualEntity="true">', *rows, "</order_rows>",
        "</associations>", "</order>",
    ]


def detail_xml(o, row):
    pid, name, ref, qty, unit, rate = row
    excl, incl = prices(unit, rate, o["basis"])
    return [
        "<order_detail>", field("id", row_id(o, pid)), field("id_order", o["id"], "orders"),
        field("product_id", pid, "products"), field("product_attribute_id", "0"),
        field("product_quantity_reinjected", "0"), field("group_reduction", "0.00"),
        field("discount_quantity_applied", "0"), field("download_hash", ""),
        field("download_deadline", "0000-00-00 00:00:00"), field("id_order_invoice", "0"),
        field("id_warehouse", "0"), field("id_shop", "1"), field("id_customization", "0"),
        field("product_name", name), field("product_quantity", str(qty)), field("product_quantity_in_stock", str(qty)),
        field("product_quantity_return", "0"), field("product_quantity_refunded", "0"), field("product_price", six(excl)),
        field("reduction_percent", "0.00"), field("reduction_amount", "0.000000"),
        field("reduction_amount_tax_incl", "0.000000"), field("reduction_amount_tax_excl", "0.000000"),
        field("product_quantity_discount", "0.000000"), field("product_ean13", ""), field("product_isbn", ""),
        field("product_upc", ""), field("product_reference", ref), field("product_supplier_reference", ""),
        field("product_weight", "0.500000"), field("tax_computation_method", "0"), field("id_tax_rules_group", "1"),
        field("ecotax", "0.000000"), field("ecotax_tax_rate", "0.000"), field("download_nb", "0"),
        field("unit_price_tax_incl", six(incl)), field("unit_price_tax_excl", six(excl)),
        field("total_price_tax_incl", six(incl * qty)), field("total_price_tax_excl", six(excl * qty)),
        field("total_shipping_price_tax_excl", "0.000000"), field("total_shipping_price_tax_incl", "0.000000"),
        field("purchase_supplier_price", "0.000000"), field("original_product_price", six(excl)),
        field("original_wholesale_price", "0.000000"),
        "<associations>", '<taxes nodeType="tax" api="taxes">',
        f'\t<tax xlink:href="{HOST}/taxes/{1 if rate == "20" else 3}">',
        f"\t<id><![CDATA[{1 if rate == '20' else 3}]]></id>", "\t</tax>", "</taxes>", "</associations>",
        "</order_detail>",
    ]


def customer_xml(c):
    cid, first, last, email, company, siret, ape = c
    return [
        "<customer>", field("id", cid), field("id_default_group", "3", "groups"), field("id_lang", "1", "languages"),
        field("newsletter_date_add", "0000-00-00 00:00:00"), field("ip_registration_newsletter", ""),
        field("last_passwd_gen", "2026-03-02 10:00:00"), field("secure_key", "9e107d9d372bb6826bd81d3542a419d6"),
        field("deleted", "0"), field("passwd", "$2y$10$uneempreinteinventeepourlesessaisseulement"),
        field("lastname", last), field("firstname", first), field("email", email), field("id_gender", "0"),
        field("birthday", "0000-00-00"), field("newsletter", "0"), field("optin", "0"), field("website", ""),
        field("company", company), field("siret", siret), field("ape", ape),
        field("outstanding_allow_amount", "0.000000"), field("show_public_prices", "0"), field("id_risk", "0"),
        field("max_payment_days", "0"), field("active", "1"), field("note", ""), field("is_guest", "0"),
        field("id_shop", "1"), field("id_shop_group", "1"), field("date_add", "2026-03-02 10:00:00"),
        field("date_upd", "2026-03-02 10:00:00"), field("reset_password_token", ""),
        field("reset_password_validity", "0000-00-00 00:00:00"),
        "<associations>", '<groups nodeType="group" api="groups">', f'\t<group xlink:href="{HOST}/groups/3">',
        "\t<id><![CDATA[3]]></id>", "\t</group>", "</groups>", "</associations>", "</customer>",
    ]


def address_xml(a):
    aid, cid, alias, company, last, first, vat, a1, a2, pc, city, phone, mobile = a
    return [
        "<address>", field("id", aid), field("id_customer", cid, "customers"), field("id_manufacturer", "0"),
        field("id_supplier", "0"), field("id_warehouse", "0"), field("id_country", "8", "countries"),
        field("id_state", "0"), field("alias", alias), field("company", company), field("lastname", last),
        field("firstname", first), field("vat_number", vat), field("address1", a1), field("address2", a2),
        field("postcode", pc), field("city", city), field("other", ""), field("phone", phone),
        field("phone_mobile", mobile), field("dni", ""), field("deleted", "0"),
        field("date_add", "2026-03-02 10:00:00"), field("date_upd", "2026-03-02 10:00:00"), "</address>",
    ]


if __name__ == "__main__":
    files = {
        "orders.xml": document("orders", [order_xml(o) for o in ORDERS]),
        "customers.xml": document("customers", [customer_xml(c) for c in CUSTOMERS]),
        "addresses.xml": document("addresses", [address_xml(a) for a in ADDRESSES]),
        "order_details.xml": document("order_details", [detail_xml(o, r) for o in ORDERS for r in o["rows"]]),
    }
    for name, text in files.items():
        with open(name, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
