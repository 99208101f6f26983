-- wrk script: the durable case action. Each request accepts (受理) another
-- pre-reviewed case of the clerk's department: POST
-- /api/cases/{number}/actions/accept, as the clerk (session cookie + CSRF
-- token). The numbers are split between wrk's threads; a case is accepted
-- once, so the run must be shorter than the list (non-2xx answers are
-- counted by wrk and reported by bench/run.sh).
-- usage: wrk -s bench/accept.lua URL -- NUMBERS_FILE SESSION CSRF
local threads = {}
local counter = 0
function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    numbers = {}
    local n = 0
    local mine = id or 0
    for line in io.lines(args[1]) do
        if n % 2 == mine % 2 then numbers[#numbers + 1] = line end
        n = n + 1
    end
    headers = {
        ["Content-Type"] = "application/json",
        ["Cookie"] = "zt_session=" .. args[2],
        ["X-CSRF-Token"] = args[3],
    }
    body = '{"fields":{"notice_no":"萍受〔2026〕基准","opinion":"予以受理"}}'
    i = 0
end

function request()
    i = i + 1
    local number = numbers[i] or numbers[#numbers]
    return wrk.format("POST", "/api/cases/" .. number .. "/actions/accept", headers, body)
end
