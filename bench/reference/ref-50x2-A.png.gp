set terminal pngcairo size 1400,560 noenhanced
set output 'ref-50x2-A.png'
set multiplot layout 1,2 title 'vcdlb bench: all, 50 Services x 2 ports, mode A, task 100 ms (solid: vcdlb, dashed: baseline)'
set key bottom right
set grid
set title 'Convergence'
set xlabel 'seconds since the phase started'
set ylabel 'Services converged'
plot 'ref-50x2-A.png.dat' index 0 using 1:2 with steps lw 2 lc 1 dt 1 title 'vcdlb create', 'ref-50x2-A.png.dat' index 1 using 1:2 with steps lw 2 lc 2 dt 1 title 'vcdlb resync', 'ref-50x2-A.png.dat' index 2 using 1:2 with steps lw 2 lc 3 dt 1 title 'vcdlb update', 'ref-50x2-A.png.dat' index 3 using 1:2 with steps lw 2 lc 4 dt 1 title 'vcdlb churn', 'ref-50x2-A.png.dat' index 4 using 1:2 with steps lw 2 lc 5 dt 1 title 'vcdlb delete', 'ref-50x2-A.png.dat' index 5 using 1:2 with steps lw 2 lc 1 dt 2 title 'upstream model create', 'ref-50x2-A.png.dat' index 6 using 1:2 with steps lw 2 lc 2 dt 2 title 'upstream model resync', 'ref-50x2-A.png.dat' index 7 using 1:2 with steps lw 2 lc 3 dt 2 title 'upstream model update', 'ref-50x2-A.png.dat' index 8 using 1:2 with steps lw 2 lc 4 dt 2 title 'upstream model churn', 'ref-50x2-A.png.dat' index 9 using 1:2 with steps lw 2 lc 5 dt 2 title 'upstream model delete'
set title 'Per-Service convergence latency (CDF)'
set xlabel 'seconds'
set ylabel 'share of Services'
set yrange [0:1]
plot 'ref-50x2-A.png.dat' index 0 using 1:3 with steps lw 2 lc 1 dt 1 title 'vcdlb create', 'ref-50x2-A.png.dat' index 1 using 1:3 with steps lw 2 lc 2 dt 1 title 'vcdlb resync', 'ref-50x2-A.png.dat' index 2 using 1:3 with steps lw 2 lc 3 dt 1 title 'vcdlb update', 'ref-50x2-A.png.dat' index 3 using 1:3 with steps lw 2 lc 4 dt 1 title 'vcdlb churn', 'ref-50x2-A.png.dat' index 4 using 1:3 with steps lw 2 lc 5 dt 1 title 'vcdlb delete', 'ref-50x2-A.png.dat' index 5 using 1:3 with steps lw 2 lc 1 dt 2 title 'upstream model create', 'ref-50x2-A.png.dat' index 6 using 1:3 with steps lw 2 lc 2 dt 2 title 'upstream model resync', 'ref-50x2-A.png.dat' index 7 using 1:3 with steps lw 2 lc 3 dt 2 title 'upstream model update', 'ref-50x2-A.png.dat' index 8 using 1:3 with steps lw 2 lc 4 dt 2 title 'upstream model churn', 'ref-50x2-A.png.dat' index 9 using 1:3 with steps lw 2 lc 5 dt 2 title 'upstream model delete'
unset multiplot
