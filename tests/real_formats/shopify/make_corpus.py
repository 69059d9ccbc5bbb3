#!/usr/bin/env python3
"""Writes the Shopify part of the real-formats corpus: one file per header generation that
real shops produce, each with invented French rows (no personal data).

Orders export (Admin > Orders > Export): one row per line item, the order's own columns on
its first row only; UTF-8 without BOM, LF, ',' and '"'. The generations keep the relative
order of the current 79 columns and leave groups out:
  79  current: ends with Payment ID, Payment Terms Name, Next Payment Due At, Payment References
  78  before Payment References existed: ends with Next Payment Due At
  75  2021 files: no payment group, ends with Billing/Shipping Province Name (keeps Outstanding
      Balance, Employee, Location, Device ID after Vendor)
  75  EUR shop without the point-of-sale group (Outstanding Balance, Employee, Location,
      Device ID): ends with Payment References
  71  2021 shop without either group
Customers export (Admin > Customers > Export): current (20 columns, 'Customer ID' of 13
digits with Excel's apostrophe, Default Address ...) and legacy (19 columns, no id).

Amounts follow a tax-inclusive French shop: Total = Subtotal + Shipping, Subtotal = sum of
the lines - Discount Amount, the VAT inside. Run from this folder: python3 make_corpus.py
"""
import csv
import io
from decimal import ROUND_HALF_UP, Decimal as D

H79 = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,"
    "Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,"
    "Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,"
    "Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,"
    "Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,"
    "Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,"
    "Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,"
    "Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,"
    "Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,"
    "Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,"
    "Next Payment Due At,Payment References"
).split(",")
PAYMENT = ["Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References"]
POS = ["Outstanding Balance", "Employee", "Location", "Device ID"]
GENERATIONS = {
    "orders_export_79.csv": H79,
    "orders_export_78.csv": [h for h in H79 if h != "Payment References"],
    "orders_export_75_2021.csv": [h for h in H79 if h not in PAYMENT],
    "orders_export_75_eur.csv": [h for h in H79 if h not in POS],
    "orders_export_71.csv": [h for h in H79 if h not in PAYMENT + POS],
}
for name, n in [("orders_export_79.csv", 79), ("orders_export_78.csv", 78), ("orders_export_75_2021.csv", 75),
                ("orders_export_75_eur.csv", 75), ("orders_export_71.csv", 71)]:
    assert len(GENERATIONS[name]) == n, name


def q(x):
    return D(x).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def vat_in(amount, rate):
    return q(D(amount) - D(amount) / (1 + D(rate) / 100))


def addr(name, a1, a2, company, city, zip_, country, phone, province="", province_name=""):
    return dict(name=name, a1=a1, a2=a2, company=company, city=city, zip=zip_, country=country,
                phone=phone, province=province, province_name=province_name)


# Orders of each file. lines: (quantity, name, unit price TTC, sku, requires shipping).
ORDERS = {
    "orders_export_79.csv": [
        dict(name="#2841", email="elodie.marchand@exemple.fr", status="paid", created="2025-03-04 09:12:47 +0100",
             lines=[("3", "Savon d’Alep – 200 g", "6.50", "SAV-ALEP-200", True),
                    ("1", "Huile d’argan bio 50 ml", "18.90", "HUILE-ARG-50", True)],
             shipping="4.95", method="Mondial Relay – Point Relais", discount=("BIENVENUE10", "3.84"),
             billing=addr("Élodie Marchand", "27 rue de la République", "Appartement 12", "", "Lyon", "'69002", "FR",
                          "'+33 6 12 34 56 78"),
             payment="Shopify Payments", id="6123456789012", tags="première commande",
             notes="Merci de ne pas sonner,\nle bébé dort."),
        dict(name="#2842", email="", status="pending", created="2025-03-04 14:30:02 +0100",
             lines=[("12", "Savon d’Alep – 200 g", "6.50", "SAV-ALEP-200", True)],
             shipping="0.00", method="Retrait à l’atelier",
             billing=addr("Gérard Lemoine", "8 place de l’Église", "", "Boulangerie Lemoine", "Villefranche-sur-Saône",
                          "'69400", "FR", "'04 74 65 00 00"),
             payment="Virement bancaire", id="6123456789013", source="shopify_draft_order",
             attrs="SIRET: 512 345 679 00025\nTVA intracom: FR75512345679"),
        dict(name="#2843", email="theo.bernard@exemple.fr", status="paid", created="2025-03-05 18:04:11 +0100",
             lines=[("1", "Carte cadeau 50 €", "50.00", "", False),
                    ("2", "Atelier découverte « savon à froid » – samedi", "35.00", "", False)],
             shipping="0.00", method="",
             billing=addr("Théo Bernard", "4 allée des Peupliers", "", "", "Nantes", "'44000", "FR", ""),
             payment="Shopify Payments", id="6123456789014"),
        dict(name="#2844", email="k.nguyen84@exemple.fr", status="paid", created="2025-03-06 07:55:30 +0100",
             lines=[("1", "Coffret découverte – 4 savons", "24.00", "COFFRET-4", True)],
             shipping="6.90", method="Colissimo",
             billing=addr("", "15 boulevard Carnot", "", "", "Lille", "'59000", "FR", ""),
             payment="Shopify Payments", id="6123456789015"),
        dict(name="#2845", email="anne-sophie.dalmas@exemple.fr", status="paid", created="2025-03-07 21:47:09 +0100",
             lines=[("2", "Savon d’Alep – 200 g", "6.50", "SAV-ALEP-200", True),
                    ("1", "Porte-savon en olivier", "12.00", "PORTE-SAV-OLI", True),
                    ("1", "Huile d’argan bio 50 ml", "18.90", "HUILE-ARG-50", True)],
             shipping="5.90", method="Colissimo",
             billing=addr("Anne-Sophie Dalmas", "3 montée du Château", "", "", "Nice", "'06300", "FR",
                          "'+33 4 93 00 00 00"),
             shipping_addr=addr("Anne-Sophie Dalmas", "Résidence Les Mimosas – bât. B", "112 avenue de la Californie",
                                "", "Nice", "'06200", "FR", "'+33 6 98 76 54 32"),
             payment="PayPal Express Checkout", id="6123456789016", phone="+33698765432"),
    ],
    "orders_export_78.csv": [
        dict(name="#1512", email="martine.roche@exemple.fr", status="paid", created="2023-06-12 11:20:00 +0200",
             lines=[("1", "Théière en fonte – 0,8 L", "39.00", "THEIERE-FONTE", True),
                    ("2", "Thé vert Sencha – 100 g", "8.40", "THE-SENCHA-100", True)],
             shipping="6.50", method="Colissimo", discount=("ETE2023", "5.00"),
             billing=addr("Martine Roche", "9 rue du Moulin", "", "", "Quimper", "'29000", "FR", "'02 98 00 00 00"),
             payment="Shopify Payments", id="5234567890121"),
        dict(name="#1513", email="achats@lecomptoirdesthes.fr", status="paid", created="2023-06-13 16:02:45 +0200",
             lines=[("20", "Thé noir Assam – 250 g", "11.50", "THE-ASSAM-250", True)],
             shipping="12.00", method="Messagerie",
             billing=addr("Jean-Luc Perrin", "Zone artisanale des Landes", "Lot 4", "Le Comptoir des Thés",
                          "Vannes", "'56000", "FR", "'02 97 00 00 00"),
             payment="Virement bancaire", id="5234567890122", terms="Net 30", next_due="2023-07-13 16:02:45 +0200"),
        dict(name="#1514", email="paul.nguyen@exemple.fr", status="voided", created="2023-06-14 08:15:00 +0200",
             lines=[("1", "Thé vert Sencha – 100 g", "8.40", "THE-SENCHA-100", True)],
             shipping="4.90", method="Lettre suivie", cancelled="2023-06-14 09:00:00 +0200",
             billing=addr("Paul Nguyen", "2 rue Gambetta", "", "", "Tours", "'37000", "FR", ""),
             payment="Shopify Payments", id="5234567890123"),
        dict(name="#1515", email="francoise.leclerc@exemple.fr", status="partially_refunded",
             created="2023-06-15 19:40:12 +0200", refunded="8.40",
             lines=[("1", "Coffret « Jardin japonais »", "29.90", "COFFRET-JAPON", True),
                    ("1", "Thé vert Sencha – 100 g", "8.40", "THE-SENCHA-100", True)],
             shipping="0.00", method="Livraison offerte",
             billing=addr("Françoise Leclerc", "14 quai de la Fosse", "", "", "Nantes", "'44000", "FR", ""),
             payment="Shopify Payments", id="5234567890124"),
    ],
    "orders_export_75_2021.csv": [
        dict(name="#1043", email="yann.kerbrat@exemple.fr", status="paid", created="2021-11-29 10:05:33 +0100",
             lines=[("1", "Pull marin – Écru / L", "79.00", "PULL-MARIN-L", True),
                    ("1", "Bonnet en laine – Marine", "25.00", "", True)],
             shipping="5.00", method="Colissimo", compare="95.00",
             billing=addr("Yann Kerbrat", "6 rue des Goélands", "", "", "Concarneau", "'29900", "FR", "'06 11 22 33 44"),
             payment="Shopify Payments", id="4012345678901"),
        dict(name="#1044", email="m.dalmeida@exemple.fr", status="paid", created="2021-11-29 22:41:00 +0100",
             lines=[("2", "Marinière enfant – 6 ans", "32.00", "MARINIERE-6A", True)],
             shipping="5.00", method="Colissimo", discount=("BLACKFRIDAY", "9.60"),
             billing=addr("Manuel D'Almeida", "19 rue Nationale", "", "", "Tours", "'37000", "FR", ""),
             shipping_addr=addr("Chloé D'Almeida", "Chez Mme Bœuf", "2 place Plumereau", "", "Tours", "'37000",
                                "FR", ""),
             payment="PayPal Express Checkout", id="4012345678902"),
        dict(name="#1045", email="sandrine.hoarau@exemple.fr", status="paid", created="2021-11-30 06:12:08 +0100",
             lines=[("1", "Chèque cadeau 30 €", "30.00", "", False)],
             shipping="0.00", method="",
             billing=addr("Sandrine Hoarau", "12 chemin des Lataniers", "", "", "Saint-Denis", "'97400", "RE", ""),
             payment="Shopify Payments", id="4012345678903"),
    ],
    "orders_export_75_eur.csv": [
        dict(name="#5101", email="claire.fournier@exemple.fr", status="paid", created="2022-09-02 13:45:19 +0200",
             lines=[("1", "Sac cabas en cuir – Cognac", "149.00", "CABAS-COGNAC", True)],
             shipping="0.00", method="Livraison express offerte",
             billing=addr("Claire Fournier", "88 rue de Rivoli", "", "", "Paris", "'75004", "FR", "'+33 1 42 00 00 00"),
             payment="Shopify Payments", id="4812345678901", pay_ref="c23456789012.1"),
        dict(name="#5102", email="hans.weber@beispiel.de", status="paid", created="2022-09-03 10:00:00 +0200",
             lines=[("2", "Portefeuille – Noir", "59.00", "PORTEF-NOIR", True),
                    ("1", "Porte-clés en cuir", "15.00", "PORTECLE", True)],
             shipping="12.00", method="DHL Express",
             billing=addr("Hans Weber", "Bergmannstraße 12", "", "", "Berlin", "'10961", "DE", ""),
             payment="Shopify Payments", id="4812345678902", pay_ref="c23456789013.1"),
        dict(name="#5103", email="direction@hotel-les-tilleuls.fr", status="paid", created="2022-09-05 09:30:00 +0200",
             lines=[("10", "Porte-clés en cuir", "15.00", "PORTECLE", True)],
             shipping="8.00", method="Colissimo",
             billing=addr("", "1 route des Tilleuls", "", "Hôtel Les Tilleuls", "Annecy", "'74000", "FR", ""),
             payment="Virement bancaire", id="4812345678903", terms="Net 30", next_due="2022-10-05 09:30:00 +0200"),
    ],
    "orders_export_71.csv": [
        dict(name="#3307", email="sophie.vandamme@exemple.be", status="paid", created="2021-05-17 15:22:41 +0200",
             lines=[("2", "Confiture de rhubarbe – 320 g", "6.90", "", True),
                    ("1", "Miel de Provence – 500 g", "12.50", "", True)],
             shipping="9.50", method="bpost", rate=("BE TVA 6%", "6"),
             billing=addr("Sophie Vandamme", "Rue Lesbroussart 40", "", "", "Ixelles", "1050", "BE", "+32 470 00 00 00"),
             payment="Shopify Payments", id="3812345678901"),
        dict(name="#3308", email="jacques.morel@exemple.fr", status="paid", created="2021-05-18 08:05:00 +0200",
             lines=[("3", "Miel de Provence – 500 g", "12.50", "", True)],
             shipping="7.90", method="Colissimo", rate=("FR TVA 5.5%", "5.5"),
             billing=addr("Jacques Morel", "5 impasse du Lavoir", "", "", "Aix-en-Provence", "'13100", "FR", ""),
             payment="PayPal Express Checkout", id="3812345678902"),
        dict(name="#3309", email="atelier.gourmand@exemple.fr", status="paid", created="2021-05-19 17:45:00 +0200",
             lines=[("24", "Confiture de rhubarbe – 320 g", "6.90", "", True)],
             shipping="15.00", method="Messagerie", rate=("FR TVA 5.5%", "5.5"), discount=("PRO5", "8.28"),
             billing=addr("Nadia Benali", "ZA du Pont", "", "L’Atelier Gourmand", "Marseille", "'13002", "FR", ""),
             payment="Virement bancaire", id="3812345678903"),
    ],
}


def order_rows(o, header):
    lines_total = sum(D(p) * D(n) for n, _, p, _, _ in o["lines"])
    disc_code, disc = o.get("discount", ("", "0.00"))
    subtotal = q(lines_total - D(disc))
    ship = q(o["shipping"])
    total = q(subtotal + ship)
    label, rate = o.get("rate", ("FR TVA 20%", "20"))
    tax = vat_in(total, rate)
    b = o["billing"]
    s = o.get("shipping_addr") or b
    rows = []
    for i, (n, name, price, sku, ships) in enumerate(o["lines"]):
        r = {h: "" for h in H79}
        r.update({"Name": o["name"], "Email": o["email"], "Created at": o["created"], "Lineitem quantity": n,
                  "Lineitem name": name, "Lineitem price": price,
                  "Lineitem compare at price": o.get("compare", "") if i == 0 else "",
                  "Lineitem sku": sku, "Lineitem requires shipping": "true" if ships else "false",
                  "Lineitem taxable": "true",
                  "Lineitem fulfillment status": "fulfilled" if o["status"] == "paid" else "pending",
                  "Vendor": "Atelier", "Lineitem discount": "0.00", "Phone": o.get("phone", "")})
        if i == 0:
            street = lambda a: ", ".join(x for x in (a["a1"], a["a2"]) if x)
            r.update({
                "Financial Status": o["status"], "Paid at": o["created"] if o["status"] == "paid" else "",
                "Fulfillment Status": "fulfilled" if o["status"] == "paid" else "unfulfilled",
                "Fulfilled at": o["created"] if o["status"] == "paid" else "",
                "Accepts Marketing": "no", "Currency": "EUR", "Subtotal": str(subtotal), "Shipping": str(ship),
                "Taxes": str(tax), "Total": str(total), "Discount Code": disc_code,
                "Discount Amount": disc if disc_code else "0.00", "Shipping Method": o["method"],
                "Billing Name": b["name"], "Billing Street": street(b), "Billing Address1": b["a1"],
                "Billing Address2": b["a2"], "Billing Company": b["company"], "Billing City": b["city"],
                "Billing Zip": b["zip"], "Billing Province": b["province"], "Billing Country": b["country"],
                "Billing Phone": b["phone"],
                "Shipping Name": s["name"], "Shipping Street": street(s), "Shipping Address1": s["a1"],
                "Shipping Address2": s["a2"], "Shipping Company": s["company"], "Shipping City": s["city"],
                "Shipping Zip": s["zip"], "Shipping Province": s["province"], "Shipping Country": s["country"],
                "Shipping Phone": s["phone"], "Notes": o.get("notes", ""), "Note Attributes": o.get("attrs", ""),
                "Cancelled at": o.get("cancelled", ""), "Payment Method": o["payment"],
                "Payment Reference": o.get("pay_ref", "c" + o["id"][-9:] + ".1"),
                "Refunded Amount": o.get("refunded", "0.00"), "Outstanding Balance": "0.00", "Id": o["id"],
                "Tags": o.get("tags", ""), "Risk Level": "Low", "Source": o.get("source", "web"),
                "Tax 1 Name": label, "Tax 1 Value": str(tax),
                "Billing Province Name": b["province_name"], "Shipping Province Name": s["province_name"],
                "Payment ID": o.get("pay_ref", "c" + o["id"][-9:] + ".1"),
                "Payment Terms Name": o.get("terms", ""), "Next Payment Due At": o.get("next_due", ""),
                "Payment References": o.get("pay_ref", "c" + o["id"][-9:] + ".1"),
            })
        rows.append([r[h] for h in header])
    return rows


def write(name, header, rows, lineterminator="\n"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    with open(name, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


for name, header in GENERATIONS.items():
    write(name, header, [row for o in ORDERS[name] for row in order_rows(o, header)])

CUSTOMERS_CURRENT = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,"
    "Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,"
    "Total Spent,Total Orders,Note,Tax Exempt,Tags"
).split(",")
assert len(CUSTOMERS_CURRENT) == 20
write("customers_export.csv", CUSTOMERS_CURRENT, [
    ["'7312458890412", "Sébastien", "Leroux", "sebastien.leroux@exemple.fr", "yes", "", "47 rue Oberkampf", "",
     "Paris", "", "FR", "'75011", "'+33 1 43 00 00 00", "+33611223344", "no", "212.40", "4",
     "Préfère être livré\nle samedi matin", "no", "VIP, newsletter"],
    # A company without a contact name.
    ["'7312458890413", "", "", "compta@ebenisterie-vasseur.fr", "no", "Ébénisterie Vasseur & Fils",
     "Zone artisanale du Bois-Joli", "Bâtiment 3", "Saint-Lô", "", "FR", "'50000", "'02 33 00 00 00", "",
     "no", "1180.00", "2", "", "no", "pro"],
    # Neither name nor company: an e-mail only (a quick checkout).
    ["'7312458890414", "", "", "k.nguyen84@exemple.fr", "no", "", "15 boulevard Carnot", "", "Lille", "",
     "FR", "'59000", "", "", "no", "30.90", "1", "", "no", ""],
    # Neither name, company nor e-mail: a phone-only customer (SMS marketing).
    ["'7312458890415", "", "", "", "no", "", "", "", "", "", "", "", "", "+33677889900", "yes", "0.00", "0",
     "", "no", ""],
    # Known to the client list by its e-mail.
    ["'7312458890416", "Gérard", "Lemoine", "contact@boulangerie-lemoine.fr", "no", "Boulangerie Lemoine",
     "8 place de l’Église", "", "Villefranche-sur-Saône", "", "FR", "'69400", "'04 74 65 00 00", "", "no",
     "78.00", "1", "", "no", "pro"],
    ["'7312458890417", "Zoé", "Cœurdevey", "zoe.coeurdevey@exemple.fr", "yes", "", "2 rue de l’Abbé-Grégoire",
     "3e étage", "Besançon", "", "FR", "'25000", "", "+33700112233", "no", "56.80", "2", "", "no", ""],
])

CUSTOMERS_LEGACY = (
    "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,"
    "Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt"
).split(",")
assert len(CUSTOMERS_LEGACY) == 19
write("customers_export_legacy.csv", CUSTOMERS_LEGACY, [
    ["Aurore", "Lefebvre", "aurore.lefebvre@exemple.fr", "", "11 rue Sainte-Catherine", "", "Bordeaux", "", "",
     "France", "FR", "'33000", "'05 56 00 00 11", "yes", "42.00", "1", "", "", "no"],
    ["", "", "m.picard@exemple.fr", "", "6 rue Jeanne-d’Arc", "", "Rouen", "", "", "France", "FR", "'76000",
     "", "no", "18.90", "1", "", "", "no"],
    ["", "", "contact@librairie-des-quais.fr", "Librairie des Quais", "3 quai Saint-Michel", "", "Paris", "", "",
     "France", "FR", "'75005", "'01 43 00 00 12", "no", "310.00", "6", "pro", "Facture au nom de la SARL", "no"],
    ["Maël", "Le Gall", "mael.legall@exemple.fr", "", "2 venelle du Port", "", "Quimper", "", "", "France",
     "FR", "'29000", "'02 98 00 00 12", "no", "18.90", "1", "", "", "no"],
    ["Éric", "Dubœuf", "eric.duboeuf@exemple.fr", "", "Lieu-dit Les Bruyères", "", "Romanèche-Thorins", "", "",
     "France", "FR", "'71570", "", "yes", "64.00", "2", "", "", "no"],
])

# The client list exported from Gestion Commerciale (CSV, ';', Windows-1252, CRLF): a client
# the customers export matches by e-mail, a client a Shopify order matches by e-mail, and an
# earlier import's WEB000001 that the counter must step over.
CLIENTS = [
    "N° compte;Intitulé;Adresse;Code postal;Ville;Pays;E-mail;Siret;N° identifiant;Compte collectif;"
    "Catégorie comptable",
    "CL00012;Épicerie fine Martin;21 rue Mercière;69002;Lyon;France;commandes@epicerie-martin.fr;;;4110000;1",
    "CL00027;Boulangerie Lemoine;8 place de l'Église;69400;Villefranche-sur-Saône;France;"
    "contact@boulangerie-lemoine.fr;51234567900025;FR75512345679;4110000;1",
    "CL00031;Le Comptoir des Thés SARL;Zone artisanale des Landes;56000;Vannes;France;"
    "achats@lecomptoirdesthes.fr;;;4110000;1",
    "WEB000001;Ancien client web (boutique précédente);;;;France;;;;4110000;1",
    "DIVERS;Clients divers;;;;France;;;;4110000;1",
]
with open("gescom_clients.csv", "wb") as f:
    f.write(("\r\n".join(CLIENTS) + "\r\n").encode("cp1252"))
