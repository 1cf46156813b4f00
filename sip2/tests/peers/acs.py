#!/usr/bin/env python3
"""A small library system (SIP2 ACS) for Swalayan's interoperability tests, built on the
third-party PyPI package pysip2 (0.1.0): nobody on this project wrote the protocol side.

    acs.py [--encoding cp850|utf-8|latin-1] [--checksum-required] [--login-required]
           [--refuse-returns-not-on-loan]

Prints "READY <port>" once listening on 127.0.0.1 (an ephemeral port), then one line
"TXN <json>" for every change it makes (tests read what the library system recorded).
Stops on SIGTERM or when stdin closes (the test that started it is gone).

Library: patrons 21000000001 (PIN 1234), 21000000002 (blocked), 21000000003 (PIN 9999);
items 39000000001 "Laskar Pelangi", 39000000002 "Café Ñusantara" (a cp850 title),
39000000003 (held for 21000000003), 39000000004 (lost), 39000000005 (lent at the desk to
21000000003, who owes 1500.00). Login: kiosk / rahasia.
"""
import argparse
import json
import sys
import threading
from datetime import datetime, timedelta

import anyio
import pysip2 as sip

PATRONS = {
    "21000000001": {"name": "Siti Rahma", "pin": "1234", "blocked": False, "loans": []},
    "21000000002": {"name": "Budi Santoso", "pin": "", "blocked": True, "loans": []},
    "21000000003": {"name": "Dewi Lestari", "pin": "9999", "blocked": False,
                    "loans": ["39000000005"], "fines": "1500.00"},
}
ITEMS = {
    "39000000001": {"title": "Laskar Pelangi", "state": "in", "shelf": "FIKSI"},
    "39000000002": {"title": "Café Ñusantara", "state": "in", "shelf": "FIKSI"},
    "39000000003": {"title": "Bumi Manusia", "state": "in", "shelf": "FIKSI", "held_for": "21000000003"},
    "39000000004": {"title": "Hilang", "state": "lost", "shelf": "FIKSI"},
    # Lent at the desk, before any station saw it.
    "39000000005": {"title": "Ronggeng Dukuh Paruk", "state": "out", "shelf": "FIKSI",
                    "patron": "21000000003", "due": "20270115    235900", "renewals": 0},
}
LOGINS = {"kiosk": "rahasia"}
MAX_RENEWALS = 1


def record(kind, **what):
    print("TXN " + json.dumps({"kind": kind, **what}, sort_keys=True), flush=True)


def sip_date(days=0):
    when = datetime.now() + timedelta(days=days)
    return when.strftime("%Y%m%d    %H%M%S")


def flags(patron):
    status = [" "] * 14
    if patron is None or patron["blocked"]:
        status[0:4] = "YYYY"
    return "".join(status)


def pin_says(patron, given):
    # pysip2 always sends CQ; a blank PIN is never a right one.
    return "Y" if patron and given and patron["pin"] == given else "N"


def build(args):
    app = sip.SIP2Server(
        institution_id="TTK",
        library_name="Perpustakaan Uji",
        terminal_location="KIOSK-1",
        login_required=args.login_required,
        error_detection="required" if args.checksum_required else "auto",
        encoding=args.encoding,
    )

    @app.route(sip.LOGIN)
    async def login(req, ctx):
        ok = LOGINS.get(req.login_user_id) == req.login_password
        record("login", user=req.login_user_id, ok=ok)
        return sip.LoginResponse(ok="1" if ok else "0")

    @app.route(sip.PATRON_STATUS)
    async def patron_status(req, ctx):
        patron = PATRONS.get(req.patron_identifier)
        return sip.PatronStatusResponse(
            patron_status=flags(patron), language="000", transaction_date=sip_date(),
            institution_id=req.institution_id, patron_identifier=req.patron_identifier,
            personal_name=patron["name"] if patron else "",
            valid_patron="Y" if patron else "N",
            valid_patron_password=pin_says(patron, req.patron_password),
            screen_message=("Kartu tidak dikenal",) if patron is None else
            ("Kartu diblokir",) if patron["blocked"] else ())

    @app.route(sip.PATRON_INFORMATION)
    async def patron_information(req, ctx):
        patron = PATRONS.get(req.patron_identifier)
        loans = tuple(patron["loans"]) if patron else ()
        return sip.PatronInformationResponse(
            patron_status=flags(patron), language="000", transaction_date=sip_date(),
            hold_items_count="0000", overdue_items_count="0000",
            charged_items_count="%04d" % len(loans), fine_items_count="0000",
            recall_items_count="0000", unavailable_holds_count="0000",
            institution_id=req.institution_id, patron_identifier=req.patron_identifier,
            personal_name=patron["name"] if patron else "",
            valid_patron="Y" if patron else "N",
            valid_patron_password=pin_says(patron, req.patron_password),
            fee_amount=patron.get("fines") if patron else None, charged_items=loans)

    @app.route(sip.ITEM_INFORMATION)
    async def item_information(req, ctx):
        item = ITEMS.get(req.item_identifier)
        if item is None:
            return sip.ItemInformationResponse(
                circulation_status="01", security_marker="00", fee_type="01",
                transaction_date=sip_date(), item_identifier=req.item_identifier,
                title_identifier="", screen_message=("Buku tidak dikenal",))
        status = {"in": "03", "out": "04", "lost": "12"}[item["state"]]
        return sip.ItemInformationResponse(
            circulation_status=status, security_marker="02", fee_type="01",
            transaction_date=sip_date(), due_date=item.get("due"),
            item_identifier=req.item_identifier, title_identifier=item["title"],
            permanent_location=item["shelf"])

    @app.route(sip.CHECKOUT)
    async def checkout(req, ctx):
        patron, item = PATRONS.get(req.patron_identifier), ITEMS.get(req.item_identifier)

        def answer(ok, message, due=None):
            return sip.CheckoutResponse(
                ok="1" if ok else "0", renewal_ok="N", magnetic_media="N",
                desensitize="Y" if ok else "N", transaction_date=sip_date(),
                institution_id=req.institution_id, patron_identifier=req.patron_identifier,
                item_identifier=req.item_identifier,
                title_identifier=item["title"] if item else "", due_date=due or "",
                screen_message=(message,), print_line=("Terima kasih",) if ok else ())

        if patron is None:
            return answer(False, "Kartu tidak dikenal")
        if patron["blocked"]:
            return answer(False, "Kartu diblokir: hubungi petugas")
        if item is None:
            return answer(False, "Buku tidak dikenal")
        if item["state"] == "lost":
            return answer(False, "Buku tercatat hilang")
        if item.get("held_for") not in (None, req.patron_identifier):
            return answer(False, "Dipesan anggota lain")
        if item["state"] == "out":
            return answer(False, "Sedang dipinjam")
        due = sip_date(14)
        item.update(state="out", patron=req.patron_identifier, due=due, renewals=0)
        item.pop("held_for", None)
        patron["loans"].append(req.item_identifier)
        record("checkout", patron=req.patron_identifier, item=req.item_identifier,
               date=req.transaction_date, no_block=req.no_block)
        return answer(True, "Selamat membaca", due)

    @app.route(sip.CHECKIN)
    async def checkin(req, ctx):
        item = ITEMS.get(req.item_identifier)
        if item is None:
            return sip.CheckinResponse(
                ok="0", resensitize="N", magnetic_media="N", alert="Y",
                transaction_date=sip_date(), institution_id=req.institution_id,
                item_identifier=req.item_identifier, permanent_location="",
                screen_message=("Buku tidak dikenal",))
        held = item.get("held_for")
        if args.refuse_returns_not_on_loan and item["state"] != "out" and not held:
            # As Koha answers a return of a copy on the shelf without its checked_in_ok.
            return sip.CheckinResponse(
                ok="0", resensitize="Y", magnetic_media="N", alert="N",
                transaction_date=sip_date(), institution_id=req.institution_id,
                item_identifier=req.item_identifier, permanent_location=item["shelf"],
                title_identifier=item["title"], screen_message=("Tidak sedang dipinjam",))
        borrower = item.get("patron")
        if borrower in PATRONS and req.item_identifier in PATRONS[borrower]["loans"]:
            PATRONS[borrower]["loans"].remove(req.item_identifier)
        item.update(state="in", patron=None, due=None)
        record("checkin", item=req.item_identifier, date=req.transaction_date,
               return_date=req.return_date, borrower=borrower)
        return sip.CheckinResponse(
            ok="1", resensitize="Y", magnetic_media="N", alert="Y" if held else "N",
            transaction_date=sip_date(), institution_id=req.institution_id,
            item_identifier=req.item_identifier, permanent_location=item["shelf"],
            title_identifier=item["title"], sort_bin="HOLD" if held else "B1",
            patron_identifier=held,
            screen_message=("Simpan di rak pesanan",) if held else ("Terima kasih",))

    @app.route(sip.RENEW)
    async def renew(req, ctx):
        item = ITEMS.get(req.item_identifier or "")

        def answer(ok, message, due=None):
            return sip.RenewResponse(
                ok="1" if ok else "0", renewal_ok="Y" if ok else "N", magnetic_media="N",
                desensitize="N", transaction_date=sip_date(),
                institution_id=req.institution_id, patron_identifier=req.patron_identifier,
                item_identifier=req.item_identifier or "",
                title_identifier=item["title"] if item else "", due_date=due or "",
                screen_message=(message,))

        if item is None or item.get("patron") != req.patron_identifier:
            return answer(False, "Tidak dipinjam oleh anggota ini")
        if item["renewals"] >= MAX_RENEWALS:
            return answer(False, "Batas perpanjangan tercapai")
        item["renewals"] += 1
        item["due"] = sip_date(28)
        record("renew", patron=req.patron_identifier, item=req.item_identifier)
        return answer(True, "Diperpanjang", item["due"])

    @app.route(sip.HOLD)
    async def hold(req, ctx):
        patron, item = PATRONS.get(req.patron_identifier), ITEMS.get(req.item_identifier or "")

        def answer(ok, message, position=None):
            return sip.HoldResponse(
                ok="1" if ok else "0", available="N", transaction_date=sip_date(),
                queue_position=position, pickup_location=req.pickup_location,
                institution_id=req.institution_id, patron_identifier=req.patron_identifier,
                item_identifier=req.item_identifier, screen_message=(message,))

        if patron is None or patron["blocked"]:
            return answer(False, "Kartu tidak dapat memesan")
        if item is None:
            return answer(False, "Buku tidak dikenal")
        queue = item.setdefault("queue", [])
        queue.append(req.patron_identifier)
        record("hold", patron=req.patron_identifier, item=req.item_identifier,
               pickup=req.pickup_location)
        return answer(True, "Pesanan tercatat", str(len(queue)))

    @app.route(sip.END_PATRON_SESSION)
    async def end_session(req, ctx):
        record("end_session", patron=req.patron_identifier)
        return sip.EndSessionResponse(
            end_session="Y", transaction_date=sip_date(), institution_id=req.institution_id,
            patron_identifier=req.patron_identifier, screen_message=("Sampai jumpa",))

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoding", default="cp850")
    parser.add_argument("--checksum-required", action="store_true")
    parser.add_argument("--login-required", action="store_true")
    # Koha's account setting checked_in_ok off: a return of a copy not on loan is refused.
    parser.add_argument("--refuse-returns-not-on-loan", action="store_true")
    args = parser.parse_args()
    app = build(args)

    async def serve():
        async with app.start("127.0.0.1", 0) as port:
            print(f"READY {port}", flush=True)
            await anyio.to_thread.run_sync(sys.stdin.read)

    anyio.run(serve)


if __name__ == "__main__":
    main()
