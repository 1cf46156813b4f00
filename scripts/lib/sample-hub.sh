# Sourced by scripts that need a hub with sample data on loopback (web-screenshots,
# lighthouse): the 20 Library of Congress fixture records, copies on two branches, a
# promotion, two events in the coming weeks, the library's settings. Sets $url (the hub's
# address), $event_path (the first event's page) and $work (removed on exit); expects $hub
# (the swalayan-hub binary).
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/hub.toml" <<'TOML'
[library]
name = "Perpustakaan Kota Tebing Tinggi"
public_url = "https://perpustakaan.example.go.id"
address = "Jl. Sutomo, Tebing Tinggi"
[library.hours]
monday = "08:00-16:00"
tuesday = "08:00-16:00"
wednesday = "08:00-16:00"
thursday = "08:00-16:00"
friday = "08:00-11:30, 13:30-16:00"
saturday = "09:00-13:00"
TOML
cat > "$work/items.csv" <<'CSV'
barcode,title,author,isbn,item_type,status,call_number,parts,branch
31000000101,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,pusat
31000000102,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,utara
31000000201,Bumi Manusia,Pramoedya Ananta Toer,978-979-97312-3-4,book,available,899.221 TOE b,1,pusat
CSV
db="$work/hub.db"
$hub --db "$db" import marc tests/fixtures/marc/loc-programming-20.mrc >/dev/null
$hub --db "$db" import items "$work/items.csv" >/dev/null
$hub --db "$db" promotions add --title "Lomba baca puisi" --body "Sabtu ini pukul 10.00 di ruang anak: daftar di meja layanan." >/dev/null
soon=$(date -d "+9 days" +%F)
later=$(date -d "+20 days" +%F)
event=$($hub --db "$db" --json events add --title "Kelas Menulis Cerita Anak" \
    --starts "${soon}T09:00" --ends "${soon}T11:30" --place "Aula lantai 2" --capacity 25 \
    --description "Untuk anak 8-12 tahun bersama orang tuanya: menulis dan menggambar cerita sendiri." \
    | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
event_path="/events/$event"
$hub --db "$db" events add --title "Pelatihan Literasi Digital untuk Lansia" \
    --starts "${later}T13:30" --ends "${later}T15:30" --place "Ruang komputer" >/dev/null
$hub --db "$db" --config "$work/hub.toml" serve --listen 127.0.0.1:0 > "$work/serve.out" &
pid=$!
for _ in $(seq 1 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
