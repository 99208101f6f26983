-- wrk script: POST /api/public/case-status with the number and query password
-- of a different case each request, round-robin over the file bench-gen wrote
-- (--passwords: number<TAB>password<TAB>state<TAB>department per line).
-- usage: wrk -s bench/status.lua URL -- PASSWORDS_FILE
local counter = 0
function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
end

function init(args)
    bodies = {}
    for line in io.lines(args[1]) do
        local number, password = line:match("^([^\t]+)\t([^\t]+)")
        if number then
            bodies[#bodies + 1] = '{"number":"' .. number .. '","password":"' .. password .. '"}'
        end
    end
    i = (id or 0) * 7919
    headers = { ["Content-Type"] = "application/json" }
end

function request()
    i = i + 1
    return wrk.format("POST", "/api/public/case-status", headers, bodies[(i % #bodies) + 1])
end
