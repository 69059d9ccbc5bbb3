#!/usr/bin/env python3
"""Writes invented French Magento 2 files with the structure of the real ones.

System › Data Transfer › Export (CSV written by PHP fputcsv: ',' delimiter, a field holding a
space, a quote, a comma or a newline is quoted, LF line ends, UTF-8 without BOM, a space before
values starting with + or - (Magento's formula guard), `street` lines separated by a raw LF):
- customer_main.csv: "Customers Main File", the header of Magento's own sample (with the two
  Adobe Commerce reward_* columns); no address, no customer id.
- customer_address.csv: "Customer Addresses", joined to the main file by _email + _website.
  Hélène: one address, default for both; the workshop company: a billing head office with its
  VAT id, a default shipping workshop on two street lines, and an old address (not written);
  the delicatessen (already a Sage client, found by its e-mail): one address. Noémie has none.
- customer_composite.csv: "Customers and Addresses": Louise with one address; a works council
  (B2B, VAT number) whose second address is the next row, customer columns empty.

REST API (orders.json): GET /rest/V1/orders?searchCriteria... saved as is, pretty-printed, UTF-8:
{"items": [orders], "search_criteria": ..., "total_count": N}; amounts are JSON numbers with
Magento's 4 decimals, `street` an array of lines, the delivery address under
extension_attributes.shipping_assignments[0].shipping.address, the lines repeated there.
- 000000145: a registered customer, prices incl. tax, a configurable product (priced parent +
  child at 0), a 10 % coupon (discount incl. tax, its hidden tax set aside), Colissimo.
- 000000146: a company (VAT id on the billing address), a bundle whose children are listed
  with prices but not counted, another delivery address, a carrier.
- 000000147: canceled (not imported).
- 000000148: a guest.

Run from this folder: python3 make.py
"""
from decimal import Decimal as D
import copy
import json

PASSWORD = "c8e2d1a0b9f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a2918070605:Qm9uam91ciBsZSBtb25kZQ:1"


def fputcsv(fields):
    out = []
    for f in fields:
        f = str(f)
        if any(c in f for c in ' \t\r\n,"\\'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + "\n"


def guard(v):
    """Magento prepends a space to values starting with =, +, - (formula guard)."""
    return " " + v if v[:1] in ("=", "+", "-") else v


def write(name, header, rows):
    with open(name, "w", encoding="utf-8", newline="") as f:
        f.write(fputcsv(header))
        for r in rows:
            f.write(fputcsv([guard(str(r.get(h, ""))) for h in header]))


MAIN = ("email,_website,_store,confirmation,created_at,created_in,disable_auto_group_change,dob,firstname,gender,"
        "group_id,lastname,middlename,password_hash,prefix,reward_update_notification,reward_warning_notification,"
        "rp_token,rp_token_created_at,store_id,suffix,taxvat,updated_at,website_id,password").split(",")
ADDRESS = ("_website,_email,_entity_id,city,company,country_id,fax,firstname,lastname,middlename,postcode,prefix,"
           "region,region_id,street,suffix,telephone,vat_id,vat_is_valid,vat_request_date,vat_request_id,"
           "vat_request_success,_address_default_billing_,_address_default_shipping_").split(",")
COMPOSITE = ("email,_website,_store,confirmation,created_at,created_in,disable_auto_group_change,dob,firstname,gender,"
             "group_id,lastname,middlename,password_hash,prefix,rp_token,rp_token_created_at,store_id,suffix,taxvat,"
             "website_id,password,_address_city,_address_company,_address_country_id,_address_fax,_address_firstname,"
             "_address_lastname,_address_middlename,_address_postcode,_address_prefix,_address_region,_address_street,"
             "_address_suffix,_address_telephone,_address_vat_id,_address_default_billing_,"
             "_address_default_shipping_").split(",")


def customer(email, first, last, created, group="1", gender="", taxvat="", dob=""):
    return {"email": email, "_website": "base", "_store": "default", "created_at": created,
            "created_in": "Vue magasin par défaut", "disable_auto_group_change": "0", "dob": dob,
            "firstname": first, "gender": gender, "group_id": group, "lastname": last, "password_hash": PASSWORD,
            "reward_update_notification": "1", "reward_warning_notification": "1", "store_id": "1",
            "taxvat": taxvat, "updated_at": created, "website_id": "1"}


ATELIER_VAT = "FR42532187697"   # SIREN 532187697
CSE_VAT = "FR07490873122"       # SIREN 490873122

write("customer_main.csv", MAIN, [
    customer("helene.lefevre@exemple.fr", "Hélène", "Lefèvre", "2026-09-14 08:31:02", gender="Female",
             dob="1984-03-02"),
    customer("compta@atelier-coeur-de-bois.fr", "Jean-Noël", "Kerbrat", "2026-10-02 15:04:40", group="2",
             taxvat=ATELIER_VAT),
    customer("commandes@epicerie-saint-jean.fr", "Margaux", "Saint-Jean", "2026-10-20 11:00:00", group="2"),
    customer("noemie.barbier@exemple.fr", "Noémie", "Barbier", "2026-11-02 19:45:13", gender="Female"),
])


def address(email, eid, city, postcode, street, phone, billing, shipping, first, last, company="", vat="",
            region="", region_id=""):
    return {"_website": "base", "_email": email, "_entity_id": eid, "city": city, "company": company,
            "country_id": "FR", "firstname": first, "lastname": last, "postcode": postcode, "region": region,
            "region_id": region_id, "street": street, "telephone": phone, "vat_id": vat,
            "_address_default_billing_": billing, "_address_default_shipping_": shipping}


write("customer_address.csv", ADDRESS, [
    address("helene.lefevre@exemple.fr", "101", "Grenoble", "38000",
            "27 avenue Jean-Jaurès\nRésidence Les Tilleuls – bât. C", "+33 6 71 42 18 90", "1", "1",
            "Hélène", "Lefèvre", region="Isère", region_id="219"),
    address("compta@atelier-coeur-de-bois.fr", "102", "Nantes", "44000", "14 rue des Forges", "02 40 00 12 34",
            "1", "0", "Jean-Noël", "Kerbrat", company="Atelier Cœur de Bois SAS", vat=ATELIER_VAT),
    address("compta@atelier-coeur-de-bois.fr", "103", "Carquefou", "44470",
            "Atelier n°2\nZone artisanale de la Chantrerie", "02 40 00 56 78", "0", "1", "Erwan", "Kerbrat",
            company="Atelier Cœur de Bois SAS"),
    address("compta@atelier-coeur-de-bois.fr", "104", "Rezé", "44400", "2 impasse des Acacias", "", "0", "0",
            "Jean-Noël", "Kerbrat", company="Atelier Cœur de Bois"),
    address("commandes@epicerie-saint-jean.fr", "105", "Lyon", "69005", "3 rue Saint-Jean", "04 78 00 00 00", "1",
            "1", "Margaux", "Saint-Jean", company="Épicerie fine Saint-Jean"),
])


def composite(c, a):
    row = dict(c)
    for k, v in a.items():
        row["_address_" + k if not k.startswith("_address_") else k] = v
    return row


louise = customer("louise.garnier@exemple.fr", "Louise", "Garnier", "2026-08-30 10:20:00", gender="Female")
cse = customer("achats@cse-oeuvres-sociales.fr", "Aurélien", "Dubois-Martin", "2026-07-01 09:00:00", group="2",
               taxvat=CSE_VAT)
blank = {k: "" for k in COMPOSITE}
write("customer_composite.csv", COMPOSITE, [
    composite(louise, {"city": "Bordeaux", "company": "", "country_id": "FR", "firstname": "Louise",
                       "lastname": "Garnier", "postcode": "33000",
                       "street": "5 cours de l’Intendance\n2e étage gauche", "telephone": "+33 5 56 00 12 34",
                       "_address_default_billing_": "1", "_address_default_shipping_": "1"}),
    composite(cse, {"city": "Lille", "company": "CSE Œuvres sociales de la Filature", "country_id": "FR",
                    "firstname": "Aurélien", "lastname": "Dubois-Martin", "postcode": "59000",
                    "street": "40 rue Nationale", "telephone": "03 20 00 00 00", "vat_id": CSE_VAT,
                    "_address_default_billing_": "1", "_address_default_shipping_": "0"}),
    composite(blank, {"city": "Roubaix", "company": "CSE Œuvres sociales de la Filature", "country_id": "FR",
                      "firstname": "Sandrine", "lastname": "Lemaire", "postcode": "59100",
                      "street": "Filature Saint-Louis\n12 quai de Brest", "telephone": "03 20 99 88 77",
                      "_address_default_billing_": "0", "_address_default_shipping_": "1"}),
])

# ---------------------------------------------------------------------------------------------
# REST orders


def n(x):
    """A Magento amount as a JSON number (4 decimals at most, no trailing zeros)."""
    d = D(str(x)).quantize(D("0.0001")).normalize()
    return int(d) if d == d.to_integral() else float(d)


ITEM_ID = [300]


def item(order_id, created, sku, name, qty, price, incl, rate, ptype="simple", discount="0", hidden="0",
         parent=None, percent=0):
    ITEM_ID[0] += 1
    qty, price, incl = D(qty), D(price), D(incl)
    row, row_incl = price * qty, incl * qty
    if D(hidden):
        # Discount on prices incl. tax, tax computed after it.
        tax = (row_incl - D(discount)) * D(rate) / (100 + D(rate))
    elif price != price.quantize(D("0.01")):
        # Catalogue prices incl. tax: the row excl. tax is what is left once the tax is taken out.
        tax = row_incl * D(rate) / (100 + D(rate))
        row = row_incl - tax.quantize(D("0.0001"))
    else:
        tax = (row - D(discount)) * D(rate) / 100
    tax = tax.quantize(D("0.0001"))
    it = {
        "amount_refunded": 0, "base_amount_refunded": 0, "base_discount_amount": n(discount),
        "base_discount_invoiced": 0, "base_discount_tax_compensation_amount": n(hidden),
        "base_original_price": n(incl), "base_price": n(price), "base_price_incl_tax": n(incl),
        "base_row_invoiced": 0, "base_row_total": n(row), "base_row_total_incl_tax": n(row_incl),
        "base_tax_amount": n(tax), "base_tax_invoiced": 0, "created_at": created,
        "discount_amount": n(discount), "discount_invoiced": 0, "discount_percent": percent, "free_shipping": 0,
        "discount_tax_compensation_amount": n(hidden), "is_qty_decimal": 0, "is_virtual": 0,
        "item_id": ITEM_ID[0], "name": name, "no_discount": 0, "order_id": order_id, "original_price": n(incl),
        "price": n(price), "price_incl_tax": n(incl), "product_id": 1000 + ITEM_ID[0], "product_type": ptype,
        "qty_canceled": 0, "qty_invoiced": 0, "qty_ordered": n(qty), "qty_refunded": 0, "qty_shipped": 0,
        "quote_item_id": 600 + ITEM_ID[0], "row_invoiced": 0, "row_total": n(row), "row_total_incl_tax": n(row_incl),
        "row_weight": n(qty * D("0.4")), "sku": sku, "store_id": 1, "tax_amount": n(tax), "tax_invoiced": 0,
        "tax_percent": n(rate), "updated_at": created, "weight": 0.4,
    }
    if parent is not None:
        it["parent_item_id"] = parent["item_id"]
        it["parent_item"] = copy.deepcopy(parent)
    return it, tax


def magento_address(kind, order_id, eid, first, last, street, city, postcode, phone, email, company=None, vat=None,
                    region=None):
    a = {"address_type": kind, "city": city, "country_id": "FR", "email": email, "entity_id": eid,
         "firstname": first, "lastname": last, "parent_id": order_id, "postcode": postcode, "street": street,
         "telephone": phone}
    if company:
        a["company"] = company
    if vat:
        a["vat_id"] = vat
    if region:
        a["region"] = region
    return a


def order(entity_id, increment, created, status, customer, items, billing, shipping, ship, payment,
          coupon=None, carrier="", method=""):
    """ship: (excl, incl, tax); customer: dict of customer_* fields."""
    lines = [i for i, _ in items]
    counted = [i for i in lines if "parent_item_id" not in i]
    subtotal = sum(D(str(i["row_total"])) for i in counted)
    subtotal_incl = sum(D(str(i["row_total_incl_tax"])) for i in counted)
    discount = sum(D(str(i["discount_amount"])) for i in counted)
    tax = sum(D(str(t)) for i, t in items if "parent_item_id" not in i) + D(ship[2])
    grand = subtotal_incl - discount + D(ship[1])
    o = {
        "applied_rule_ids": "4" if coupon else "", "base_currency_code": "EUR", "base_discount_amount": n(-discount),
        "base_grand_total": n(grand), "base_discount_tax_compensation_amount": 0, "base_shipping_amount": n(ship[0]),
        "base_shipping_discount_amount": 0, "base_shipping_incl_tax": n(ship[1]), "base_shipping_tax_amount": n(ship[2]),
        "base_subtotal": n(subtotal), "base_subtotal_incl_tax": n(subtotal_incl), "base_tax_amount": n(tax),
        "base_total_due": n(grand), "base_to_global_rate": 1, "base_to_order_rate": 1,
        "billing_address_id": billing["entity_id"], "created_at": created,
    }
    if coupon:
        o["coupon_code"] = coupon
    o.update(customer)
    o.update({
        "customer_note_notify": 1, "discount_amount": n(-discount), "email_sent": 1, "entity_id": entity_id,
        "global_currency_code": "EUR", "grand_total": n(grand), "discount_tax_compensation_amount": 0,
        "increment_id": increment, "is_virtual": 0, "order_currency_code": "EUR", "protect_code": "a1b2c3",
        "quote_id": entity_id + 40, "remote_ip": "192.0.2.10", "shipping_amount": n(ship[0]),
        "shipping_description": carrier, "shipping_discount_amount": 0,
        "shipping_discount_tax_compensation_amount": 0, "shipping_incl_tax": n(ship[1]),
        "shipping_tax_amount": n(ship[2]), "state": "canceled" if status == "canceled" else status,
        "status": status, "store_currency_code": "EUR", "store_id": 1,
        "store_name": "Site principal\nBoutique principale\nVue magasin par défaut", "store_to_base_rate": 0,
        "store_to_order_rate": 0, "subtotal": n(subtotal), "subtotal_incl_tax": n(subtotal_incl),
        "tax_amount": n(tax), "total_due": n(grand), "total_item_count": len(lines),
        "total_qty_ordered": n(sum(D(str(i["qty_ordered"])) for i in counted)), "updated_at": created,
        "weight": n(sum(D(str(i["row_weight"])) for i in counted)),
    })
    if coupon:
        o["discount_description"] = coupon
    o["items"] = lines
    o["billing_address"] = billing
    o["payment"] = {"account_status": None, "additional_information": [payment[1], ""], "amount_ordered": n(grand),
                    "base_amount_ordered": n(grand), "base_shipping_amount": n(ship[0]), "cc_last4": None,
                    "entity_id": entity_id, "method": payment[0], "parent_id": entity_id,
                    "shipping_amount": n(ship[0])}
    o["status_histories"] = []
    o["extension_attributes"] = {
        "shipping_assignments": [{
            "shipping": {"address": shipping, "method": method,
                         "total": {"base_shipping_amount": n(ship[0]), "base_shipping_discount_amount": 0,
                                   "base_shipping_incl_tax": n(ship[1]), "base_shipping_tax_amount": n(ship[2]),
                                   "shipping_amount": n(ship[0]), "shipping_discount_amount": 0,
                                   "shipping_discount_tax_compensation_amount": 0, "shipping_incl_tax": n(ship[1]),
                                   "shipping_tax_amount": n(ship[2])}},
            "items": copy.deepcopy(lines),
        }],
        "payment_additional_info": [{"key": "method_title", "value": payment[1]}],
        "applied_taxes": [{"code": "TVA FR 20", "title": "TVA FR 20", "percent": 20, "amount": n(tax),
                           "base_amount": n(tax)}],
    }
    return o


def registered(cid, email, first, last, taxvat=None):
    c = {"customer_email": email, "customer_firstname": first, "customer_group_id": 1, "customer_id": cid,
         "customer_is_guest": 0, "customer_lastname": last}
    if taxvat:
        c["customer_taxvat"] = taxvat
    return c


def guest(email):
    return {"customer_email": email, "customer_group_id": 0, "customer_is_guest": 1}


ORDERS = []

# 145: prices incl. tax, configurable product, 10 % coupon on prices incl. tax.
d = "2026-11-24 08:14:03"
tab, tab_tax = item(145, d, "TAB-LIN-NAT-M", "Tablier en lin lavé", 1, "29.1667", "35", 20, "configurable",
                    discount="3.5", hidden="0.5833", percent=10)
child, _ = item(145, d, "TAB-LIN-NAT-M", "Tablier en lin lavé-M-Naturel", 1, "0", "0", 20, parent=tab)
tor, tor_tax = item(145, d, "TOR-BRO-3", "Torchons brodés « Cuisine » (lot de 3)", 2, "16.25", "19.5", 20,
                    discount="3.9", hidden="0.65", percent=10)
street = ["8 rue des Canuts", "Appartement 12, 3e étage"]
ORDERS.append(order(145, "000000145", d, "processing",
                    registered(58, "benoit.cremieux@exemple.fr", "Benoît", "Crémieux"),
                    [(tab, tab_tax), (child, D(0)), (tor, tor_tax)],
                    magento_address("billing", 145, 290, "Benoît", "Crémieux", street, "Lyon", "69004",
                                    "06 12 00 34 56", "benoit.cremieux@exemple.fr", region="Rhône"),
                    magento_address("shipping", 145, 289, "Benoît", "Crémieux", street, "Lyon", "69004",
                                    "06 12 00 34 56", "benoit.cremieux@exemple.fr", region="Rhône"),
                    ("4.9167", "5.9", "0.9833"), ("banktransfer", "Virement bancaire"), coupon="NOEL10",
                    carrier="Colissimo - Livraison à domicile", method="colissimo_home"))

# 146: a company, a bundle (children listed, not counted), another delivery address.
d = "2026-11-25 13:40:27"
kit, kit_tax = item(146, d, "KIT-ENT-BOIS", "Kit d’entretien du bois", 1, "40", "48", 20, "bundle")
oil, _ = item(146, d, "HUI-LIN-500", "Huile de lin 500 ml", 1, "25", "30", 20, parent=kit)
cloth, _ = item(146, d, "CHI-MIC", "Chiffon microfibre", 1, "15", "18", 20, parent=kit)
wax, wax_tax = item(146, d, "CIR-ABE-250", "Cire d’abeille naturelle 250 g", 4, "12.5", "15", 20)
ORDERS.append(order(146, "000000146", d, "processing",
                    registered(61, "compta@atelier-coeur-de-bois.fr", "Jean-Noël", "Kerbrat", ATELIER_VAT),
                    [(kit, kit_tax), (oil, D(5)), (cloth, D(3)), (wax, wax_tax)],
                    magento_address("billing", 146, 292, "Jean-Noël", "Kerbrat", ["14 rue des Forges"], "Nantes",
                                    "44000", "02 40 00 12 34", "compta@atelier-coeur-de-bois.fr",
                                    company="Atelier Cœur de Bois SAS", vat=ATELIER_VAT),
                    magento_address("shipping", 146, 291, "Erwan", "Kerbrat",
                                    ["Atelier n°2", "Zone artisanale de la Chantrerie"], "Carquefou", "44470",
                                    "02 40 00 56 78", "compta@atelier-coeur-de-bois.fr",
                                    company="Atelier Cœur de Bois SAS"),
                    ("18", "21.6", "3.6"), ("checkmo", "Chèque"), carrier="Messagerie - DB Schenker",
                    method="flatrate_flatrate"))

# 147: canceled.
d = "2026-11-26 18:02:11"
soap, soap_tax = item(147, d, "SAV-ALEP-200", "Savon d’Alep au laurier 200 g", 1, "4.1667", "5", 20)
ORDERS.append(order(147, "000000147", d, "canceled", guest("theo.girard@exemple.fr"), [(soap, soap_tax)],
                    magento_address("billing", 147, 294, "Théo", "Girard", ["4 place Bellecour"], "Lyon", "69002",
                                    "06 00 00 00 01", "theo.girard@exemple.fr"),
                    magento_address("shipping", 147, 293, "Théo", "Girard", ["4 place Bellecour"], "Lyon", "69002",
                                    "06 00 00 00 01", "theo.girard@exemple.fr"),
                    ("2.0833", "2.5", "0.4167"), ("checkmo", "Chèque"), carrier="Lettre suivie - La Poste",
                    method="flatrate_flatrate"))

# 148: a guest.
d = "2026-11-27 21:30:00"
soap, soap_tax = item(148, d, "SAV-ALEP-200", "Savon d’Alep au laurier 200 g", 3, "4.1667", "5", 20)
ORDERS.append(order(148, "000000148", d, "processing", guest("zoe.marchetti@exemple.fr"), [(soap, soap_tax)],
                    magento_address("billing", 148, 296, "Zoé", "Marchetti", ["11 rue de la Fontaine"], "Annecy",
                                    "74000", "06 00 00 00 02", "zoe.marchetti@exemple.fr"),
                    magento_address("shipping", 148, 295, "Zoé", "Marchetti", ["11 rue de la Fontaine"], "Annecy",
                                    "74000", "06 00 00 00 02", "zoe.marchetti@exemple.fr"),
                    ("2.0833", "2.5", "0.4167"), ("checkmo", "Chèque"), carrier="Lettre suivie - La Poste",
                    method="flatrate_flatrate"))

SEARCH = {
    "items": ORDERS,
    "search_criteria": {"filter_groups": [{"filters": [{"field": "created_at", "value": "2026-11-24 00:00:00",
                                                        "condition_type": "gteq"}]}],
                        "page_size": 50, "current_page": 1},
    "total_count": len(ORDERS),
}

with open("orders.json", "w", encoding="utf-8", newline="") as f:
    f.write(json.dumps(SEARCH, ensure_ascii=False, indent=4))
    f.write("\n")
